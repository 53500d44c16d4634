import { serverAnswers, withDatabase } from '@wxpay/persistence';
import { startContainerInfra } from './containers';
import { dockerEngineAnswers } from './docker-probe';
import { kafkaConnectionFromEnv, type KafkaConnection } from '@wxpay/messaging';
import { kafkaAnswers } from './kafka-probe';
import { holdLocalKafka, kafkaClientEnv, startLocalKafka, stopLocalKafka } from './kafka-local';

export type TestInfraMode = 'auto' | 'local' | 'containers';

export interface TestInfra {
  mode: 'local' | 'containers';
  /** Server URL without a database; tests create their own databases on it. */
  databaseServer: string;
  brokers: string[];
  /** How the setup reaches the brokers: the admin identity of the local broker, or what the environment names. */
  kafka: KafkaConnection;
  /**
   * What the test processes must find in their environment to reach the brokers as that identity: KAFKA_BROKERS,
   * KAFKA_SECURITY_PROTOCOL and KAFKA_TLS_* (empty when the caller's own KAFKA_* settings are used as they are).
   */
  kafkaEnv: Record<string, string>;
  stop(): Promise<void>;
}

export class TestInfraError extends Error {
  override readonly name = 'TestInfraError';
}

const DEFAULT_SERVER = 'postgres://postgres@127.0.0.1:5432';

function requestedMode(env: NodeJS.ProcessEnv): TestInfraMode {
  const mode = (env.TEST_INFRA ?? 'auto').toLowerCase();
  if (mode === 'auto' || mode === 'local' || mode === 'containers') return mode;
  throw new TestInfraError(`TEST_INFRA must be auto, local or containers (got '${env.TEST_INFRA}')`);
}

/**
 * Real PostgreSQL and a real Kafka broker for the integration tier: containers when a Docker engine answers
 * (or TEST_INFRA=containers), otherwise the local server and the broker from Maven Central jars. `engineAnswers`
 * is the probe for a Docker engine (its own tests pass a fixed answer, so they hold on machines with and without
 * an engine).
 */
export async function startTestInfra(
  env: NodeJS.ProcessEnv = process.env,
  log = (_: string) => {},
  engineAnswers: () => Promise<boolean> = dockerEngineAnswers,
): Promise<TestInfra> {
  const mode = requestedMode(env);
  if (mode === 'containers' || (mode === 'auto' && (await engineAnswers()))) {
    if (mode === 'containers' && !(await engineAnswers())) {
      throw new TestInfraError(
        'TEST_INFRA=containers but no Docker engine answers. Start Docker, or run with TEST_INFRA=local ' +
          '(local PostgreSQL at 127.0.0.1:5432 and `npm run kafka:start`).',
      );
    }
    log('test infrastructure: containers (testcontainers)');
    const c = await startContainerInfra();
    // The container's broker is PLAINTEXT (not secured like the local one yet).
    return {
      mode: 'containers',
      ...c,
      kafka: { brokers: c.brokers },
      kafkaEnv: { KAFKA_BROKERS: c.brokers.join(','), KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' },
    };
  }
  return startLocalInfra(env, log);
}

async function startLocalInfra(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<TestInfra> {
  const databaseServer = (env.TEST_DATABASE_SERVER ?? DEFAULT_SERVER).replace(/\/$/, '');
  if (!(await serverAnswers(withDatabase(databaseServer, 'postgres')))) {
    throw new TestInfraError(
      `no PostgreSQL answers at ${databaseServer} and no Docker engine is available. Start the local server ` +
        `(Debian: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start), point ` +
        `TEST_DATABASE_SERVER at one, or run with TEST_INFRA=containers on a machine with Docker.`,
    );
  }
  let brokers = env.KAFKA_BROKERS?.split(',').filter(Boolean);
  let startedKafka = false;
  let usesLocalBroker = false;
  let kafka: KafkaConnection;
  let kafkaEnv: Record<string, string> = {};
  if (brokers?.length) {
    try {
      kafka = kafkaConnectionFromEnv(env);
    } catch (e) {
      throw new TestInfraError(
        `KAFKA_BROKERS is set, but not how to reach it (KAFKA_SECURITY_PROTOCOL, KAFKA_TLS_*): ${(e as Error).message}`,
      );
    }
    if (!(await kafkaAnswers(kafka, 5000))) {
      throw new TestInfraError(
        `KAFKA_BROKERS=${brokers.join(',')} does not answer (with KAFKA_SECURITY_PROTOCOL and KAFKA_TLS_*); ` +
          'unset it to use the local broker',
      );
    }
  } else {
    try {
      const k = await startLocalKafka({ log });
      brokers = k.brokers;
      kafka = k.connection;
      // Every client the tests create (and every service they start) is the admin identity, a super user: the
      // tests' own topics and groups need no ACLs. The ACL tests use services' certificates on purpose.
      kafkaEnv = kafkaClientEnv(k);
      startedKafka = k.startedNow;
      usesLocalBroker = true;
    } catch (e) {
      throw new TestInfraError(
        `could not start the local Kafka broker (needs java and mvn on PATH; try \`npm run kafka:start\`): ${
          e instanceof Error ? e.message : String(e)
        }`,
      );
    }
  }
  // A cluster started from the README that stops while this run goes on must leave the broker running.
  const release = usesLocalBroker ? holdLocalKafka('npm test') : undefined;
  log(`test infrastructure: local (PostgreSQL ${databaseServer}, Kafka ${brokers.join(',')})`);
  return {
    mode: 'local',
    databaseServer,
    brokers,
    kafka,
    kafkaEnv,
    async stop() {
      release?.();
      // The broker outlives the run by default: another test run may be using it (runs share one broker), and the
      // next run starts faster. KAFKA_STOP_AFTER_TESTS=1 stops a broker this run started.
      if (startedKafka && env.KAFKA_STOP_AFTER_TESTS === '1') await stopLocalKafka({ log });
      else if (startedKafka)
        log('leaving the Kafka broker running for later runs (`npm run kafka:stop` stops it)');
    },
  };
}
