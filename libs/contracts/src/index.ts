export { Topics, allTopicSpecs, dlqTopicOf, DLQ_SUFFIX, type TopicSpec, type TopicName } from './topics';
export {
  eventEnvelopeSchema,
  validateEnvelope,
  parseEnvelope,
  EnvelopeValidationError,
  EVENT_TYPE_PATTERN,
  type EventEnvelope,
} from './envelope';
export { PROTO_ROOT, protoPath } from './proto-root';
export { ensureTopics } from './topics-admin';
export * from './events/risk';
export * from './events/tokenization';
export * from './events/wechatpay-notifications';
export * from './events/statements';
export * from './events/repayments';
