import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';
import { KAFKA_ADMIN_IDENTITY, KAFKA_BROKER_IDENTITY } from '@wxpay/contracts';
import { DEV_EVENT_KEY_ID, eventProducers } from '@wxpay/testing';
import { readManifests } from '../launcher/manifest';
import { devPkiIdentities } from '../launcher/pki-identities';

/**
 * The compose file's structure, checked without an engine (`npm run compose:smoke` runs it for real): the same
 * apps as `npm start` built from local sources, wired to their infrastructure, health-checked and started in
 * order, with everything development-only in the `dev` profile, secrets from files and ports on 127.0.0.1 only,
 * in a form both docker-compose 1.29 and compose v2 accept.
 */
const root = join(__dirname, '..', '..');
interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  restart?: string;
  command?: string[];
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string | number>;
  group_add?: (string | number)[];
  secrets?: string[];
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  read_only?: boolean;
}
const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
const compose = parse(text, { merge: true }) as {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
  [key: string]: unknown;
};
const services = compose.services;
const apps = readManifests(root);
const LOOPBACK = /\b(127\.0\.0\.1|localhost)\b/;
const isJob = (s: Service) => s.restart === 'no';
const inDev = (s: Service) => s.profiles?.includes('dev') ?? false;
/** The port of `127.0.0.1:50054` or `http://127.0.0.1:8084/…`. */
const portOf = (address: string) => new URL(address.includes('://') ? address : `tcp://${address}`).port;
/** `127.0.0.1:${WXPAY_PORT_X:-8080}:8080` → { bind, variable, published, target } */
const PUBLISHED = /^127\.0\.0\.1:\$\{(WXPAY_PORT_[A-Z_]+):-(\d+)\}:(\d+)$/;

describe('docker-compose.yml', () => {
  it('is accepted by docker-compose 1.29 as well as compose v2', () => {
    expect(Object.keys(compose)).not.toContain('name'); // 1.29 refuses a top-level name
    for (const [name, svc] of Object.entries(services))
      for (const [dependency, d] of Object.entries(svc.depends_on ?? {}))
        expect({ name, dependency, keys: Object.keys(d) }).toEqual({ name, dependency, keys: ['condition'] });
  });

  it('runs only images built here from local sources, the Kafka one from the pom and the shared broker settings', () => {
    for (const [name, svc] of Object.entries(services)) {
      expect({ name, build: svc.build }).toEqual({ name, build: undefined });
      expect({ name, image: svc.image }).toEqual({
        name,
        image: expect.stringMatching(/^wxpay-gateway\/[a-z-]+:\$\{WXPAY_TAG:-local\}$/),
      });
    }
    const dockerfiles = readdirSync(join(root, 'deploy/docker'))
      .map((d) => join(root, 'deploy/docker', d, 'Dockerfile'))
      .filter(existsSync);
    for (const file of dockerfiles) {
      const froms = readFileSync(file, 'utf8').match(/^FROM .*$/gm) ?? [];
      // Every parent is one of ours, passed in by tools/images; no registry image.
      expect({ file, froms }).toEqual({ file, froms: [expect.stringMatching(/^FROM \$\{[A-Z_]+\}$/)] });
    }
    expect(readFileSync(join(root, 'deploy/docker/base/rootfs.sh'), 'utf8')).toContain(
      'debootstrap --variant=minbase',
    );
    const kafka = readFileSync(join(root, 'deploy/docker/kafka/Dockerfile'), 'utf8');
    expect(kafka).toContain('COPY server.properties');
    expect(readFileSync(join(root, 'deploy/kafka/server.properties'), 'utf8')).toContain(
      'auto.create.topics.enable=false',
    );
    expect(Object.keys(services.kafka?.environment ?? {}).filter((k) => k.startsWith('KAFKA_CFG_'))).toEqual(
      [],
    );
  });

  it('has a service for every app the launcher starts, wired to its infrastructure and its own migration job', () => {
    for (const app of apps) {
      const svc = services[app.name];
      expect({ app: app.name, defined: !!svc }).toEqual({ app: app.name, defined: true });
      expect(svc!.image).toBe(`wxpay-gateway/${app.name}:\${WXPAY_TAG:-local}`);
      expect(svc!.volumes).toContain('pki:/pki:ro');
      expect(svc!.depends_on?.['dev-pki']?.condition).toBe('service_completed_successfully');
      if (app.needs.includes('kafka')) {
        expect(svc!.environment?.KAFKA_BROKERS).toBe('kafka:9092');
        expect(svc!.depends_on?.kafka?.condition).toBe('service_healthy');
        expect(svc!.depends_on?.topics?.condition).toBe('service_completed_successfully');
      }
      if (app.needs.includes('postgres')) {
        const secret = `${app.name}-database-url`;
        const variable = `${app.name.toUpperCase().replace(/-/g, '_')}_DATABASE_URL_FILE`;
        expect(svc!.environment?.[variable]).toBe(`/run/secrets/${secret}`);
        expect(svc!.secrets).toContain(secret);
        expect(svc!.depends_on?.postgres?.condition).toBe('service_healthy');
        const migrate = services[`${app.name}-migrate`];
        expect(svc!.depends_on?.[`${app.name}-migrate`]?.condition).toBe('service_completed_successfully');
        expect(migrate?.image).toBe(svc!.image);
        expect(migrate?.command?.join(' ')).toContain('dist/apps/$$APP/src/migrate.js');
        expect(migrate?.environment?.[variable]).toBe(`/run/secrets/${secret}`);
        expect(isJob(migrate!)).toBe(true);
      }
    }
  });

  it("sets, for containers, every launch.json setting that only makes sense on the developer's machine", () => {
    for (const app of apps) {
      const env = services[app.name]!.environment ?? {};
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

  it('publishes the ports `npm start` prints on 127.0.0.1 only, and starts each app after the apps it requires', () => {
    for (const [name, svc] of Object.entries(services))
      for (const port of svc.ports ?? [])
        expect({ name, port }).toEqual({ name, port: expect.stringMatching(PUBLISHED) });
    expect(services.postgres?.ports).toBeUndefined();
    expect(services.kafka?.ports).toBeUndefined();
    for (const app of apps) {
      const svc = services[app.name]!;
      const published = (svc.ports ?? []).map((p) => PUBLISHED.exec(p)![2]);
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

  it('health-checks every long-running service and waits on health or on a job having finished', () => {
    for (const [name, svc] of Object.entries(services)) {
      if (!isJob(svc))
        expect({ name, healthcheck: (svc.healthcheck?.test?.length ?? 0) > 1 }).toEqual({
          name,
          healthcheck: true,
        });
      for (const [dependency, { condition }] of Object.entries(svc.depends_on ?? {})) {
        const dep = services[dependency]!;
        const expected = isJob(dep) ? 'service_completed_successfully' : 'service_healthy';
        expect({ name, dependency, condition }).toEqual({ name, dependency, condition: expected });
      }
    }
    for (const app of apps) {
      // The script checks the image's HEALTHCHECK_URL, which tools/images takes from launch.json's ready.http.
      expect(services[app.name]!.healthcheck?.test).toEqual(['CMD', 'bash', '/app/jobs/healthcheck.sh']);
      expect(app.ready.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/health\//);
    }
  });

  it('keeps development keys, simulators, dev certificates and the controllable clock in the dev profile', () => {
    const devOnly = (env: Record<string, string | number>) =>
      Object.entries(env).filter(
        ([k, v]) =>
          (k.endsWith('_DEV_KEYS') && v === 'on') ||
          (k === 'REPAYMENT_CLOCK' && v === 'controllable') ||
          (k === 'GATEWAY_ENV' && v === 'development') ||
          k.endsWith('_DEV_BUNDLE'),
      );
    for (const [name, svc] of Object.entries(services)) {
      const dev = devOnly(svc.environment ?? {});
      if (
        dev.length ||
        name.endsWith('-sim') ||
        name === 'dev-pki' ||
        svc.volumes?.some((v) => v.startsWith('pki:'))
      )
        expect({ name, profiles: svc.profiles }).toEqual({ name, profiles: ['dev'] });
      // Compose v2 refuses a service that depends on one whose profile is not active.
      if (!inDev(svc))
        for (const dependency of Object.keys(svc.depends_on ?? {}))
          expect({ name, dependency, dev: inDev(services[dependency]!) }).toEqual({
            name,
            dependency,
            dev: false,
          });
    }
    expect(services.repayment?.environment?.REPAYMENT_CLOCK).toBe('controllable');
    expect(services.tokenization?.environment?.TOKENIZATION_DEV_KEYS).toBe('on');
    // The services refuse their dev switches unless told they run in development (production by default).
    for (const app of apps)
      expect({ app: app.name, mode: services[app.name]!.environment?.GATEWAY_ENV }).toEqual({
        app: app.name,
        mode: 'development',
      });
  });

  it('takes secrets from files only, all of which the dev secrets script writes', () => {
    expect(text).not.toMatch(/postgres:\/\/[^@\s]*:[^@\s]*@/); // no password in a URL
    expect(text).not.toMatch(/PASSWORD:\s/); // no password variable with a value
    const dir = mkdtempSync(join(tmpdir(), 'compose-secrets-'));
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { ensureDevSecrets } = require('../../deploy/compose/dev-secrets.js') as {
        ensureDevSecrets(d: string): string[];
      };
      ensureDevSecrets(dir);
      for (const [name, secret] of Object.entries(compose.secrets)) {
        expect(secret.file).toBe(`\${WXPAY_SECRETS_DIR:-./.data/compose/secrets}/${name}`);
        expect({ name, written: existsSync(join(dir, name)) }).toEqual({ name, written: true });
      }
      const password = readFileSync(join(dir, 'postgres-password'), 'utf8');
      expect(password.length).toBeGreaterThanOrEqual(24);
      expect(readFileSync(join(dir, 'payment-database-url'), 'utf8')).toBe(
        `postgres://postgres:${password}@postgres:5432/wxpay_payment`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    for (const [name, svc] of Object.entries(services)) {
      expect({ name, readOnly: svc.read_only }).toEqual({ name, readOnly: true });
      for (const secret of svc.secrets ?? []) expect(Object.keys(compose.secrets)).toContain(secret);
    }
  });

  it('secures Kafka like the local broker: mutual TLS only, certificates and event keys from the dev PKI job', () => {
    expect(text).not.toMatch(/PLAINTEXT/);
    const pki = services['dev-pki']!.environment!;
    const kafka = services.kafka!;
    const kafkaEnv = kafka.environment!;
    // The broker: TLS listeners, its stores from the dev-pki job, handed to its group (the image's kafka user).
    expect(String(kafkaEnv.KAFKA_LISTENERS).split(',')).toEqual([
      'SSL://:9092',
      'CONTROLLER://127.0.0.1:9093',
    ]);
    expect(kafkaEnv.KAFKA_ADVERTISED_LISTENERS).toBe('SSL://kafka:9092');
    expect(pki.KAFKA_BROKER_IDENTITY).toBe(KAFKA_BROKER_IDENTITY);
    expect(kafkaEnv.KAFKA_TLS_KEYSTORE_FILE).toBe(`${pki.PKI_DIR}/kafka-broker/keystore.pem`);
    expect(kafkaEnv.KAFKA_TLS_TRUSTSTORE_FILE).toBe(`${pki.PKI_DIR}/kafka-broker/truststore.pem`);
    expect(kafka.volumes).toContain('pki:/pki:ro');
    expect(kafka.depends_on?.['dev-pki']?.condition).toBe('service_completed_successfully');
    const gid = /groupadd --system --gid (\d+) kafka/.exec(
      readFileSync(join(root, 'deploy/docker/kafka/Dockerfile'), 'utf8'),
    )?.[1];
    expect(String(pki.KAFKA_BROKER_GID)).toBe(gid);
    expect(services['dev-pki']!.group_add?.map(String)).toEqual([gid]);
    // Topics and ACLs as the admin identity, a super user.
    expect(services.topics?.environment).toMatchObject({
      KAFKA_SECURITY_PROTOCOL: 'SSL',
      KAFKA_TLS_CA_FILE: '/pki/ca.crt',
      KAFKA_TLS_CERT_FILE: `/pki/${KAFKA_ADMIN_IDENTITY}.crt`,
      KAFKA_TLS_KEY_FILE: `/pki/${KAFKA_ADMIN_IDENTITY}.key`,
    });
    expect(readFileSync(join(root, 'deploy/docker/jobs/topics.js'), 'utf8')).toContain('ensureAcls(');
    // Each service: its own certificate (its CN is what the ACLs name), its own signing key when it produces,
    // and every producer's public key.
    const keys = String(pki.EVENT_KEYS_DIR);
    for (const app of apps.filter((a) => a.needs.includes('kafka'))) {
      const env = services[app.name]!.environment!;
      expect({ app: app.name, env }).toEqual({
        app: app.name,
        env: expect.objectContaining({
          KAFKA_SECURITY_PROTOCOL: 'SSL',
          KAFKA_TLS_CA_FILE: '/pki/ca.crt',
          KAFKA_TLS_CERT_FILE: `/pki/${app.name}.crt`,
          KAFKA_TLS_KEY_FILE: `/pki/${app.name}.key`,
          EVENT_SIGNERS_FILE: `${keys}/signers.json`,
          ...(eventProducers().includes(app.name)
            ? {
                EVENT_SIGNING_KEY_FILE: `${keys}/${app.name}.key.pem`,
                EVENT_SIGNING_KEY_ID: DEV_EVENT_KEY_ID,
              }
            : {}),
        }),
      });
    }
  });

  it('issues the same certificates as the launcher and publishes no port twice', () => {
    const env = services['dev-pki']?.environment;
    const expected = devPkiIdentities(apps);
    expect(String(env?.PKI_SERVICES).split(',').sort()).toEqual([...expected.services].sort());
    expect(String(env?.PKI_SIMULATORS).split(',').sort()).toEqual([...expected.simulators].sort());
    const published = Object.values(services).flatMap((s) =>
      (s.ports ?? []).map((p) => PUBLISHED.exec(p)![1]),
    );
    expect(new Set(published).size).toBe(published.length);
  });
});
