import { type INestApplication } from '@nestjs/common';
import { protoPath, TokenVaultService } from '@wxpay/contracts';
import { grpcTlsFromEnv } from '@wxpay/grpc';
import { type ServiceGrpcEdge } from '@wxpay/runtime';
import { SERVICE_NAME } from '../config';
import { VAULT_ERROR_STATUS } from '../errors';
import { KeyRing } from '../keys/key-ring';
import { type VaultRunOptions } from '../vault-options';

/** The vault's gRPC edge: TokenVault over mutual TLS, its error table, and its keyed request fingerprints. */
export function vaultGrpcEdge(app: INestApplication, options: VaultRunOptions): ServiceGrpcEdge {
  const { grpc } = options.config;
  const ring = app.get(KeyRing);
  return {
    address: `${grpc.host}:${grpc.port}`,
    tls: grpc.tls ? grpcTlsFromEnv(SERVICE_NAME, options.env) : { enabled: false },
    services: [TokenVaultService],
    protos: [protoPath('gateway/tokenization/v1/tokenization.proto')],
    errors: VAULT_ERROR_STATUS,
    // Requests hold card numbers: a keyed hash, so a stored fingerprint cannot be reversed by trying every PAN.
    keyedFingerprint: (operation, canonicalRequest) =>
      ring.requestHash(operation, [canonicalRequest]).toString('hex'),
  };
}
