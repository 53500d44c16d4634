export {
  Topics,
  TOPIC_PREFIX,
  allTopicSpecs,
  dlqTopicOf,
  topicPrefixFrom,
  DLQ_SUFFIX,
  type TopicSpec,
} from './topics';
export {
  eventEnvelopeSchema,
  validateEnvelope,
  parseEnvelope,
  EnvelopeValidationError,
  EVENT_TYPE_PATTERN,
  type EventEnvelope,
} from './envelope';
export { PROTO_ROOT, protoPath } from './proto-root';
export { Identities, type Identity } from './identities';
export { DomainError, CommonErrors, isDomainError, type CommonErrorCode } from './errors';
export {
  topicAcls,
  aclTableMarkdown,
  kafkaPrincipal,
  KAFKA_ADMIN_IDENTITY,
  KAFKA_BROKER_IDENTITY,
  KAFKA_CLUSTER_RESOURCE,
  KAFKA_SUPER_USERS,
  type AclBinding,
  type AclOperation,
  type AclPatternType,
  type AclResourceType,
} from './topic-acls';
export { topicReplication, type TopicReplication } from './topic-replication';
export * from './events/risk';
export * from './events/tokenization';
export * from './events/wechatpay-notifications';
export * from './events/statements';
export * from './events/repayments';

// Generated from the protos (npm run proto -- generate): message types, enums, grpc-js service definitions and
// clients of every gateway service, and the shared gateway.common.v1 messages.
export * from './generated/gateway/common/v1/common.pb';
export * from './generated/gateway/tokenization/v1/tokenization.pb';
export * from './generated/gateway/risk/v1/risk.pb';
export * from './generated/gateway/payment/v1/payment.pb';
export * from './generated/gateway/repayment/v1/repayment.pb';
