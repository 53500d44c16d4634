import { ensureTopics } from '@wxpay/messaging';
import { DEFAULT_DATABASE_SERVER, redactDatabaseUrl, serverAnswers, withDatabase } from '@wxpay/persistence';
import { holdLocalKafka, kafkaAnswers, startLocalKafka, stopLocalKafka } from '@wxpay/testing';
import { withMavenProgress } from './maven-progress';

export interface RunningInfrastructure {
  brokers: string[];
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
  if (process.env.KAFKA_BROKERS) {
    brokers = process.env.KAFKA_BROKERS.split(',').map((b) => b.trim());
    if (!(await kafkaAnswers({ brokers }, 5000))) {
      throw new InfrastructureError(
        `KAFKA_BROKERS=${brokers.join(',')} does not answer; unset it to run a local broker`,
      );
    }
    log(`Kafka at ${brokers.join(',')} (KAFKA_BROKERS)`);
  } else {
    // On the first start Maven fetches the broker's jars, which takes minutes: progress every few seconds.
    const progress = withMavenProgress(log);
    const k = await startLocalKafka({ log: progress.log }).finally(() => progress.stop());
    brokers = k.brokers;
    kafkaStartedHere = k.startedNow;
    // A test run that found this cluster's broker keeps it running when the cluster stops (and the reverse).
    releaseKafka = holdLocalKafka('npm start');
  }
  const created = await ensureTopics({ brokers });
  if (created.length) log(`created ${created.length} topics`);

  return {
    brokers,
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
