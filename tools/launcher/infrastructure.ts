import { topicAcls } from '@wxpay/contracts';
import { ensureAcls, ensureTopics, kafkaConnectionFromEnv } from '@wxpay/messaging';
import { DEFAULT_DATABASE_SERVER, redactDatabaseUrl, serverAnswers, withDatabase } from '@wxpay/persistence';
import {
  holdLocalKafka,
  kafkaAnswers,
  kafkaClientEnv,
  startLocalKafka,
  stopLocalKafka,
  type LocalKafka,
} from '@wxpay/testing';
import { withMavenProgress } from './maven-progress';

export interface RunningInfrastructure {
  brokers: string[];
  /**
   * The KAFKA_* settings of one service: with the local secured broker, its own certificate (.data/pki/<name>.crt
   * and .key, CN=<name>), so the topic table's ACLs apply to it; nothing with KAFKA_BROKERS (the operator's
   * KAFKA_* settings are passed on as they are).
   */
  kafkaEnvFor(service: string): Record<string, string>;
  /** The server services put their own databases on (each service's DATABASE_URL names its database). */
  databaseServer: string;
  kafkaStartedHere: boolean;
  stop(): Promise<void>;
}

export class InfrastructureError extends Error {
  override readonly name = 'InfrastructureError';
}

/**
 * Kafka: the brokers in KAFKA_BROKERS, or the local KRaft broker from Maven Central jars (started if needed).
 * PostgreSQL: the server of DATABASE_URL, or the local server; there is no embedded fallback because PostgreSQL
 * refuses to run as root and an embedded copy would need a system user created behind the operator's back.
 */
export async function startInfrastructure(
  log: (line: string) => void,
  options: {
    /** Runs once PostgreSQL answers, before Kafka is started (the launcher claims its databases there). */
    onDatabaseServer?: (databaseServer: string) => Promise<void>;
  } = {},
): Promise<RunningInfrastructure> {
  const databaseServer = databaseServerFromEnv();
  if (!(await serverAnswers(withDatabase(databaseServer, 'postgres')))) {
    throw new InfrastructureError(
      `PostgreSQL does not answer at ${redactDatabaseUrl(databaseServer)}. Set DATABASE_URL to a reachable server, ` +
        `or start the local one (Debian: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start).`,
    );
  }
  log(`PostgreSQL at ${redactDatabaseUrl(databaseServer)}`);
  await options.onDatabaseServer?.(databaseServer);

  let brokers: string[];
  let kafkaStartedHere = false;
  let releaseKafka: (() => void) | undefined;
  let local: LocalKafka | undefined;
  if (process.env.KAFKA_BROKERS) {
    brokers = process.env.KAFKA_BROKERS.split(',').map((b) => b.trim());
    const connection = kafkaConnectionFromEnv(process.env);
    if (!(await kafkaAnswers(connection, 5000))) {
      throw new InfrastructureError(
        `KAFKA_BROKERS=${brokers.join(',')} does not answer (with KAFKA_SECURITY_PROTOCOL and KAFKA_TLS_*); ` +
          'unset it to run a local broker',
      );
    }
    log(`Kafka at ${brokers.join(',')} (KAFKA_BROKERS)`);
    // The operator's cluster: its ACLs are the operator's (npm run kafka:acls prints what the services need).
    const created = await ensureTopics(connection);
    if (created.length) log(`created ${created.length} topics`);
  } else {
    // On the first start Maven fetches the broker's jars, which takes minutes: progress every few seconds.
    const progress = withMavenProgress(log);
    local = await startLocalKafka({ log: progress.log }).finally(() => progress.stop());
    brokers = local.brokers;
    kafkaStartedHere = local.startedNow;
    // A test run that found this cluster's broker keeps it running when the cluster stops (and the reverse).
    releaseKafka = holdLocalKafka('npm start');
    const created = await ensureTopics(local.connection);
    if (created.length) log(`created ${created.length} topics`);
    if (local.security === 'SSL') {
      const acls = await ensureAcls(local.connection, topicAcls());
      log(
        `Kafka: mutual TLS, ${acls.created.length + acls.existing.length} ACLs (${acls.created.length} added)`,
      );
    } else {
      log('Kafka: PLAINTEXT without ACLs (KAFKA_SECURITY_PROTOCOL=PLAINTEXT, development only)');
    }
  }

  return {
    brokers,
    kafkaEnvFor: (service) => (local ? kafkaClientEnv(local, service) : {}),
    databaseServer,
    kafkaStartedHere,
    async stop() {
      releaseKafka?.();
      if (kafkaStartedHere) await stopLocalKafka({ log });
    },
  };
}

export function databaseServerFromEnv(): string {
  const url = process.env.DATABASE_URL;
  if (!url) return DEFAULT_DATABASE_SERVER;
  const u = new URL(url);
  u.pathname = '';
  return u.toString().replace(/\/$/, '');
}
