import pino, { type Logger } from 'pino';
import { type KafkaConnection } from '../kafka-connection';
import { KafkaAdmin, newAdmin } from './admin';
import { clientOptions } from './client-options';
import { GroupConsumer, type GroupConsumerOptions } from './group-consumer';
import { EventPublisher, newProducer } from './publisher';

export interface KafkaClientConfig {
  /** The service's name: consumer lag finds the service's groups by it. */
  clientId: string;
  connection: KafkaConnection;
  /** Where the group consumers report reopened streams and failed commits; none for a tool or a test. */
  logger?: Logger;
}

/**
 * A service's access to Kafka: every producer, consumer and admin connection it opens shares its connection
 * settings (brokers, TLS identity, SASL) and client id. The Kafka client library stays behind this class.
 */
export class KafkaClient {
  private readonly config: Required<KafkaClientConfig>;

  constructor(config: KafkaClientConfig) {
    this.config = { ...config, logger: config.logger ?? pino({ enabled: false }) };
  }

  get clientId(): string {
    return this.config.clientId;
  }

  get connection(): KafkaConnection {
    return this.config.connection;
  }

  get logger(): Logger {
    return this.config.logger;
  }

  publisher(): EventPublisher {
    return new EventPublisher(newProducer(clientOptions(this.config.connection, this.config.clientId)));
  }

  admin(): KafkaAdmin {
    return new KafkaAdmin(newAdmin(clientOptions(this.config.connection, this.config.clientId)));
  }

  /** @internal the group member behind EventConsumer and BatchEventConsumer. */
  groupConsumer(o: Omit<GroupConsumerOptions, 'options' | 'logger'>): GroupConsumer {
    return new GroupConsumer({
      ...o,
      options: clientOptions(this.config.connection, this.config.clientId),
      logger: this.config.logger,
    });
  }
}

export function createKafka(config: KafkaClientConfig): KafkaClient {
  return new KafkaClient(config);
}
