export { GrpcServer, type GrpcServerOptions, type CallContext, type UnaryHandler } from './server';
export { createGrpcClient, unaryCall, channelCredentials, type CallOptions } from './client';
export { loadProtos, serviceClientConstructor, PROTO_LOADER_OPTIONS } from './proto';
export {
  RpcError,
  GrpcStatus,
  fieldOf,
  reasonOf,
  isServiceError,
  toServiceError,
  INTERNAL_ERROR,
} from './errors';
export { grpcTlsFromEnv, GrpcConfigError, type GrpcTlsConfig, type TlsMaterial } from './tls-config';
export { callerScope, peerIdentity, type PeerIdentity } from './identity';
