import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { kafkaVersion } from '../../libs/testing/src/infra/kafka-jars';
import { readManifests } from '../launcher/manifest';
import { devPkiIdentities } from '../launcher/pki-identities';

/**
 * docker compose cannot run on a machine without a Docker engine, so its structure is checked here: the same
 * apps as `npm start`, the same Kafka version as the local broker, and the wiring every app needs.
 */
const root = join(__dirname, '..', '..');
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string | number>;
  volumes?: string[];
  ports?: string[];
  command?: string[];
  healthcheck?: { test: string[] };
}
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const apps = readManifests(root);
const LOOPBACK = /\b(127\.0\.0\.1|localhost)\b/;
/** The port of `127.0.0.1:50054` or `http://127.0.0.1:8084/…`. */
const portOf = (address: string) => new URL(address.includes('://') ? address : `tcp://${address}`).port;

describe('docker-compose.yml', () => {
  it('runs the official apache/kafka image of the version the local broker uses', () => {
    expect(compose.services.kafka?.image).toBe(`apache/kafka:${kafkaVersion(root)}`);
    expect(compose.services.kafka?.environment?.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
  });

  it('builds every image from the multi-stage Dockerfile', () => {
    const dockerfile = readFileSync(join(root, 'deploy/docker/Dockerfile'), 'utf8');
    for (const stage of ['deps', 'build', 'runtime'])
      expect(dockerfile).toMatch(new RegExp(`^FROM .* AS ${stage}$`, 'm'));
    for (const [name, svc] of Object.entries(compose.services)) {
      if (!svc.build) continue;
      expect({ name, dockerfile: svc.build.dockerfile }).toEqual({
        name,
        dockerfile: 'deploy/docker/Dockerfile',
      });
      expect(existsSync(join(root, svc.build.context, svc.build.dockerfile))).toBe(true);
    }
  });

  it('has a service for every app the launcher starts, wired to its infrastructure', () => {
    for (const app of apps) {
      const svc = compose.services[app.name];
      expect({ app: app.name, defined: !!svc }).toEqual({ app: app.name, defined: true });
      expect(svc!.build?.args?.APP).toBe(app.name);
      expect(Object.keys(svc!.depends_on ?? {})).toEqual(expect.arrayContaining(['init']));
      if (app.needs.includes('kafka')) {
        expect(svc!.environment?.KAFKA_BROKERS).toBe('kafka:9092');
        expect(svc!.depends_on?.kafka?.condition).toBe('service_healthy');
      }
      if (app.needs.includes('postgres')) {
        const dbVar = `${app.name.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`;
        expect(String(svc!.environment?.[dbVar])).toMatch(/^postgres:\/\/.*@postgres:5432\/wxpay_/);
        expect(svc!.depends_on?.postgres?.condition).toBe('service_healthy');
      }
      expect(svc!.volumes).toContain('pki:/pki:ro');
    }
  });

  it("sets, for containers, every launch.json setting that only makes sense on the developer's machine", () => {
    for (const app of apps) {
      const env = compose.services[app.name]!.environment ?? {};
      for (const [name, dev] of Object.entries(app.env)) {
        const inContainer = env[name] === undefined ? undefined : String(env[name]);
        const where = { app: app.name, name };
        if (name.endsWith('_HOST') && LOOPBACK.test(dev)) {
          // A server bound to the container's loopback is unreachable from the other containers.
          expect({ ...where, value: inContainer }).toEqual({ ...where, value: '0.0.0.0' });
        } else if (LOOPBACK.test(dev)) {
          // Another service's address: its container host name, since loopback is the container itself.
          const reachable = inContainer !== undefined && !LOOPBACK.test(inContainer);
          expect({ ...where, value: inContainer, reachable }).toEqual({
            ...where,
            value: inContainer,
            reachable: true,
          });
        } else if (dev.startsWith('.data/')) {
          expect({ ...where, value: inContainer }).toEqual({ ...where, value: expect.stringMatching(/^\//) });
        } else if (name.endsWith('_PORT') && inContainer !== undefined) {
          expect({ ...where, value: inContainer }).toEqual({ ...where, value: dev });
        }
      }
    }
  });

  it('publishes the ports `npm start` prints and starts each app after the apps it requires', () => {
    for (const app of apps) {
      const svc = compose.services[app.name]!;
      const published = (svc.ports ?? []).map((p) => p.split(':')[0]);
      for (const address of Object.values(app.endpoints ?? {}))
        expect({ app: app.name, published }).toEqual({
          app: app.name,
          published: expect.arrayContaining([portOf(address)]),
        });
      expect({ app: app.name, dependsOn: Object.keys(svc.depends_on ?? {}) }).toEqual({
        app: app.name,
        dependsOn: expect.arrayContaining(app.requires),
      });
    }
  });

  it('waits for health only where a healthcheck exists, and checks what the launcher waits for', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(svc.depends_on ?? {}))
        if (condition === 'service_healthy')
          expect({ name, dependency, healthcheck: !!compose.services[dependency]?.healthcheck }).toEqual({
            name,
            dependency,
            healthcheck: true,
          });
    }
    for (const app of apps) {
      const test = compose.services[app.name]!.healthcheck?.test.join(' ');
      if (test && app.ready.http) expect(test).toContain(app.ready.http);
    }
    expect(compose.services.repayment?.healthcheck).toBeDefined();
  });

  it('issues the same certificates as the launcher and publishes no port twice', () => {
    const init = compose.services.init?.environment;
    const pkiServices = String(init?.PKI_SERVICES).split(',');
    const pkiSimulators = String(init?.PKI_SIMULATORS).split(',');
    const expected = devPkiIdentities(apps);
    expect(pkiServices.sort()).toEqual([...expected.services].sort());
    expect(pkiSimulators.sort()).toEqual([...expected.simulators].sort());
    const published = Object.values(compose.services).flatMap((s) =>
      (s.ports ?? []).map((p) => p.split(':')[0]),
    );
    expect(new Set(published).size).toBe(published.length);
  });
});
