export { startTestInfra, TestInfraError, type TestInfra, type TestInfraMode } from './infra/test-infra';
export {
  holdLocalKafka,
  startLocalKafka,
  stopLocalKafka,
  localKafkaPid,
  kafkaClientEnv,
  localBrokerCount,
  localKafkaSecurity,
  type KafkaTlsFiles,
  type LocalKafka,
  type LocalKafkaConnection,
  type LocalKafkaSecurity,
  type LocalKafkaOptions,
  type StopLocalKafkaOptions,
} from './infra/kafka-local';
export { ensureKafkaJars, kafkaVersion } from './infra/kafka-jars';
export { kafkaAnswers, proveProduceConsume } from './infra/kafka-probe';
export { dockerEngineAnswers } from './infra/docker-probe';
export { workspaceRoot } from './infra/workspace';
export {
  createTestDatabase,
  testDatabaseServer,
  type TestDatabase,
  type TestDatabaseOptions,
} from './database';
export {
  testKafka,
  testBrokers,
  testKafkaConnection,
  publishTestMessages,
  deleteTopicsWithPrefix,
  createTestTopic,
  readTopic,
  readPublishedEvents,
  type PublishedEvent,
  eventually,
  uniqueName,
  type ReadMessage,
} from './kafka';
export { captureLogger } from './capture-logger';
export {
  ensureDevPki,
  readTlsMaterial,
  issueCertificate,
  createCa,
  createForeignCa,
  spiffeId,
  PkiError,
  type DevPki,
  type EnsureDevPkiOptions,
  type TlsMaterial as PkiTlsMaterial,
  type CertificatePaths,
} from './pki';
export {
  ClusterApp,
  freePort,
  freePortRun,
  TsProcess,
  UnionPaySimProcess,
  WechatPaySimProcess,
  type CardAccount,
  type DeliveryAttempt,
  type MerchantBundle,
} from './cluster';
export { digitFreeKey, uniqueTestPan, withLuhnCheckDigit } from './cards';
export {
  DEV_EVENT_KEY_ID,
  ensureDevEventKeys,
  eventProducers,
  testEventKeys,
  type DevEventKeys,
} from './event-keys';
export { panScreeningFailures } from './pan-screening';
export { callerTableMismatches, isCallerRefusal } from './caller-table';
export { readmeErrorCodeMismatches } from './readme-error-codes';
export { createGrpcClient, unaryCall, channelCredentials, type CallOptions } from './raw-grpc-client';
export { OtlpReceiver, type ReceivedSpan } from './otlp-receiver';
