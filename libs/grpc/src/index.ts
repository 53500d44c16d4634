// The service edge of the gateway: typed gRPC from libs/contracts' generated definitions, served by Nest
// controllers through GrpcTransport, with caller authorisation, idempotency, validation, page tokens and one
// error model written once for every service; typed clients that check the server's identity.
export { loadProtos, PROTO_LOADER_OPTIONS } from './proto';
export {
  GrpcStatus,
  fieldOf,
  reasonOf,
  isServiceError,
  isStatusError,
  INTERNAL_ERROR,
  type StatusError,
} from './errors';
export { grpcTlsFromEnv, GrpcConfigError, type GrpcTlsConfig, type TlsMaterial } from './tls-config';
export {
  callerScope,
  peerIdentity,
  serviceOfAltNames,
  spiffeIdOf,
  TRUST_DOMAIN,
  type PeerIdentity,
} from './identity';
export { type CallContext, type IdempotencyKeys, type IdempotentRequest } from './call-context';
export {
  methodNameOf,
  serviceNameOf,
  type GrpcController,
  type RequestOf,
  type ResponseOf,
  type ServiceDefinition,
  type UnaryMethodDefinition,
} from './service-definition';
export { GrpcHost, type GrpcHostOptions, type UnaryDispatch } from './grpc-host';
export { GrpcTransport, type GrpcTransportOptions } from './transport';
export { GrpcService } from './grpc-service.decorator';
export { Callers, CallerGuard, CALLERS, type CallerGuardOptions } from './callers';
export {
  toStatusError,
  errorDetailOf,
  ERROR_DETAIL_TRAILER,
  COMMON_ERROR_STATUS,
  type ErrorStatusTable,
  type ErrorMapping,
} from './error-status';
export { GrpcErrorFilter } from './error-filter';
export {
  Idempotent,
  IdempotencyInterceptor,
  canonicalJson,
  requestFingerprint,
  checkIdempotencyKey,
  countIdempotencyOutcomes,
  IDEMPOTENCY_OUTCOMES,
  type IdempotencyOutcome,
  type IdempotentOptions,
} from './idempotency';
export * as rules from './validation';
export { ValidRequest, RequestValidationPipe, type RequestRules } from './validation';
export { PageTokens } from './page-token';
export {
  createServiceClient,
  serverIdentityCheck,
  type ServiceClient,
  type ServiceClientOptions,
  type CallOptions,
} from './typed-client';
export { serveGrpc, type GrpcEdgeOptions } from './serve-grpc';
export { HealthCheckService, type HealthCheckRequest, type HealthCheckResponse } from './health-check';
