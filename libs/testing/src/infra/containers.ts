import { kafkaVersion } from './kafka-jars';

export interface ContainerInfra {
  databaseServer: string;
  brokers: string[];
  stop(): Promise<void>;
}

/**
 * PostgreSQL and the official apache/kafka image (the same version as the local broker) in containers, for
 * machines with a Docker engine. Chosen by TEST_INFRA=containers, or by auto when an engine answers.
 */
export async function startContainerInfra(): Promise<ContainerInfra> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const pg = await new PostgreSqlContainer('postgres:16-alpine')
    .withUsername('postgres')
    .withPassword('postgres')
    .withDatabase('postgres')
    .start();
  const hostPort = 39092;
  const kafka = await new GenericContainer(`apache/kafka:${kafkaVersion()}`)
    .withExposedPorts({ container: 9092, host: hostPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${hostPort}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS: '1000',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  return {
    databaseServer: pg.getConnectionUri().replace(/\/[^/]*$/, ''),
    brokers: [`127.0.0.1:${hostPort}`],
    async stop() {
      await Promise.all([kafka.stop(), pg.stop()]);
    },
  };
}
