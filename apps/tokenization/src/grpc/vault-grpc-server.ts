import { GrpcServer, loadProtos, type GrpcTlsConfig } from '@wxpay/grpc';
import { protoPath } from '@wxpay/contracts';
import { LATENCY_BUCKETS_SECONDS, type Logger, type Metrics } from '@wxpay/observability';
import { type VaultConfig } from '../config';
import { type Vault } from '../vault';
import { DetokenizeAccessPolicy } from './detokenize-access';
import { TOKEN_VAULT_SERVICE, tokenVaultHandlers } from './token-vault.grpc';

export const TOKENIZATION_PROTO = protoPath('gateway/tokenization/v1/tokenization.proto');

/** The TokenVault gRPC server (plus health and reflection), with a per-method latency histogram. */
export function createVaultGrpcServer(
  vault: Vault,
  config: VaultConfig,
  tls: GrpcTlsConfig,
  logger: Logger,
  metrics?: Metrics,
): GrpcServer {
  const calls = metrics?.histogram({
    name: 'tokenization_grpc_server_seconds',
    help: 'TokenVault call duration by method and status code',
    labelNames: ['method', 'code'],
    buckets: [...LATENCY_BUCKETS_SECONDS],
  });
  const server = new GrpcServer({
    packageDefinition: loadProtos([TOKENIZATION_PROTO]),
    logger,
    tls,
    onCallFinished: (method, code, seconds) =>
      calls?.observe({ method: method.slice(method.lastIndexOf('/') + 1), code: String(code) }, seconds),
  });
  const access = new DetokenizeAccessPolicy(
    config.detokenizeAllow,
    tls.enabled,
    config.allowPlaintextDetokenize,
  );
  return server.addService(TOKEN_VAULT_SERVICE, tokenVaultHandlers({ ...vault, access }));
}
