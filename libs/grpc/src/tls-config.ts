import { readFileSync } from 'fs';
import { join } from 'path';

/**
 * Where a service's mutual-TLS material comes from: explicit files (GRPC_TLS_CA/CERT/KEY, for production
 * certificates) or the dev PKI folder (PKI_DIR, `<name>.crt`/`<name>.key` and `ca.crt`). GRPC_TLS=off turns TLS
 * off for explicit local runs only.
 */
export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export type GrpcTlsConfig = { enabled: false } | ({ enabled: true } & TlsMaterial);

export class GrpcConfigError extends Error {
  override readonly name = 'GrpcConfigError';
}

export function grpcTlsFromEnv(identity: string, env: NodeJS.ProcessEnv = process.env): GrpcTlsConfig {
  const mode = (env.GRPC_TLS ?? 'on').toLowerCase();
  if (mode === 'off' || mode === 'false' || mode === '0') return { enabled: false };
  if (mode !== 'on' && mode !== 'true' && mode !== '1') {
    throw new GrpcConfigError(`GRPC_TLS must be on or off (got '${env.GRPC_TLS}')`);
  }
  const pkiDir = env.PKI_DIR ?? '.data/pki';
  const files = {
    ca: env.GRPC_TLS_CA ?? join(pkiDir, 'ca.crt'),
    cert: env.GRPC_TLS_CERT ?? join(pkiDir, `${identity}.crt`),
    key: env.GRPC_TLS_KEY ?? join(pkiDir, `${identity}.key`),
  };
  const read = (what: keyof typeof files) => {
    try {
      return readFileSync(files[what]);
    } catch {
      throw new GrpcConfigError(
        `GRPC_TLS is on but the ${what} file ${files[what]} cannot be read (run \`npm start\` once to create the dev PKI, ` +
          `or set GRPC_TLS_${what.toUpperCase()})`,
      );
    }
  };
  return { enabled: true, ca: read('ca'), cert: read('cert'), key: read('key') };
}
