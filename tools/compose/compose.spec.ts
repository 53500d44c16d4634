import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { kafkaVersion } from '../../libs/testing/src/infra/kafka-jars';
import { readManifests } from '../launcher/manifest';

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
}
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const apps = readManifests(root);

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

  it('issues certificates for every app and publishes no port twice', () => {
    const pkiServices = String(compose.services.init?.environment?.PKI_SERVICES).split(',');
    expect(pkiServices).toEqual(expect.arrayContaining(apps.map((a) => a.name)));
    const published = Object.values(compose.services).flatMap((s) =>
      (s.ports ?? []).map((p) => p.split(':')[0]),
    );
    expect(new Set(published).size).toBe(published.length);
  });
});
