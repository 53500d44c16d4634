import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Topics } from '@wxpay/contracts';
import { Sm2PrivateKey } from '@wxpay/gm-crypto';

/** The key id of every generated development key (a rotation test lists more). */
export const DEV_EVENT_KEY_ID = 'dev-1';

/** Every principal that publishes a declared topic: the services and the card system (the issuer's core). */
export function eventProducers(): string[] {
  return [...new Set(Object.values(Topics).flatMap((t) => [...t.producers]))].sort();
}

export interface DevEventKeys {
  dir: string;
  /** EVENT_SIGNERS_FILE: every producer's public key. */
  signersFile: string;
  keyFile(producer: string): string;
  /** EVENT_SIGNING_KEY_FILE and EVENT_SIGNING_KEY_ID of a producer. */
  signingEnv(producer: string): Record<string, string>;
  /** What a service of the cluster is started with: its own key when it produces, and the signers file. */
  env(service: string): Record<string, string>;
}

/**
 * Development event-signing keys (like the dev PKI, generated on this machine and never committed): an SM2 key
 * per producer in `<dir>/<producer>.key.pem` (PKCS#8, owner-only), kept across runs, and `<dir>/signers.json`
 * listing their public keys under DEV_EVENT_KEY_ID, rewritten each time.
 */
export function ensureDevEventKeys(
  dir: string,
  producers: readonly string[] = eventProducers(),
): DevEventKeys {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyFile = (producer: string) => join(dir, `${producer}.key.pem`);
  const signers: Record<string, { keyId: string; publicKey: string }[]> = {};
  for (const producer of producers) {
    const file = keyFile(producer);
    let key: Sm2PrivateKey;
    if (existsSync(file)) {
      key = Sm2PrivateKey.fromPem(readFileSync(file, 'utf8'));
    } else {
      key = Sm2PrivateKey.generate();
      writeFileSync(file, key.toPem(), { mode: 0o600 });
      chmodSync(file, 0o600);
    }
    signers[producer] = [{ keyId: DEV_EVENT_KEY_ID, publicKey: key.publicKey.toPem() }];
  }
  const signersFile = join(dir, 'signers.json');
  writeFileSync(signersFile, `${JSON.stringify(signers, null, 2)}\n`);
  const signingEnv = (producer: string) => ({
    EVENT_SIGNING_KEY_FILE: keyFile(producer),
    EVENT_SIGNING_KEY_ID: DEV_EVENT_KEY_ID,
  });
  return {
    dir,
    signersFile,
    keyFile,
    signingEnv,
    env: (service) => ({
      ...(producers.includes(service) ? signingEnv(service) : {}),
      EVENT_SIGNERS_FILE: signersFile,
    }),
  };
}

let shared: DevEventKeys | undefined;

/** This test process's keys (one temporary folder, removed when the process exits). */
export function testEventKeys(): DevEventKeys {
  if (!shared) {
    const dir = mkdtempSync(join(tmpdir(), 'wxpay-event-keys-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    shared = ensureDevEventKeys(dir);
  }
  return shared;
}
