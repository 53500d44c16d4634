import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SimKeyError } from './sim-keys';

export interface ServerTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/**
 * PKI_DIR/<identity>.crt/.key, the switch's own certificate (issued by the counterparty CA, `sim-ca`), and
 * PKI_DIR/ca.crt, the cluster's root, against which it verifies the acquirers' client certificates (their
 * chains carry the services CA). Written by the launcher or compose's init.
 */
export async function readServerTls(pkiDir: string, identity: string): Promise<ServerTls> {
  const dir = resolve(pkiDir);
  const files = {
    ca: join(dir, 'ca.crt'),
    cert: join(dir, `${identity}.crt`),
    key: join(dir, `${identity}.key`),
  };
  try {
    const [ca, cert, key] = await Promise.all([
      readFile(files.ca),
      readFile(files.cert),
      readFile(files.key),
    ]);
    return { ca, cert, key };
  } catch {
    throw new SimKeyError(
      `TLS material missing: need ${files.ca}, ${files.cert} and ${files.key} (npm start creates them in .data/pki)`,
    );
  }
}
