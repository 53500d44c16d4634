import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Sm2PrivateKey, SM4_KEY_LENGTH, type Sm2PublicKey } from '@wxpay/gm-crypto';
import { type Logger } from '@wxpay/observability';
import { keyCheckValue, type AcquirerBundle } from '@wxpay/unionpay';
import { type SimConfig } from '../config';

/** Key material problems at start; names files, never contents. */
export class SimKeyError extends Error {
  override readonly name = 'SimKeyError';
}

export interface SimKeys {
  /** Zone master key shared with acquirers: wraps the working keys of key exchanges. */
  zoneKey: Buffer;
  /** The switch's SM2 key: signs its sign-on answers. */
  switchKey: Sm2PrivateKey;
  /** HMAC-SM3 key of the PAN index (accounts are found by HMAC(PAN), never by a stored PAN). */
  panIndexKey: Buffer;
  /** The acquirer registered by the dev keys, and where its bundle lives. */
  devAcquirer?: { id: string; publicKey: Sm2PublicKey; bundlePath: string };
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function writeSecret(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode: 0o600 });
  await rename(tmp, path);
}

/**
 * Loads the simulator's keys from `<dataDir>/keys`, generating any that are missing when dev keys are on.
 * The dev acquirer's bundle (zone key, its SM2 private key, the switch's public key) is written beside them
 * for the gateway to load; only check values, public keys and paths are logged.
 */
export async function loadOrCreateSimKeys(config: SimConfig, logger: Logger): Promise<SimKeys> {
  const dir = resolve(config.dataDir, 'keys');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const paths = {
    zone: join(dir, 'zone-key.hex'),
    switchKey: join(dir, 'switch-sm2.key.pem'),
    panIndex: join(dir, 'pan-index.key.hex'),
    acquirerKey: join(dir, `acquirer-${config.devAcquirerId}-sm2.key.pem`),
    bundle: join(dir, 'acquirer-bundle.json'),
  };
  const generated: string[] = [];

  async function hexKey(path: string, name: string): Promise<Buffer> {
    const text = (await readIfPresent(path))?.trim();
    if (text !== undefined) {
      if (!/^[0-9a-fA-F]{32}$/.test(text)) throw new SimKeyError(`${path} must hold 32 hex digits`);
      return Buffer.from(text, 'hex');
    }
    if (!config.devKeys) throw new SimKeyError(`${path} is missing and UNIONPAY_SIM_DEV_KEYS is off`);
    const key = randomBytes(SM4_KEY_LENGTH);
    await writeSecret(path, `${key.toString('hex')}\n`);
    generated.push(name);
    return key;
  }

  async function sm2Key(path: string, name: string): Promise<Sm2PrivateKey> {
    const pem = await readIfPresent(path);
    if (pem !== undefined) {
      try {
        return Sm2PrivateKey.fromPem(pem);
      } catch {
        throw new SimKeyError(`${path} is not a PKCS#8 SM2 private key`);
      }
    }
    if (!config.devKeys) throw new SimKeyError(`${path} is missing and UNIONPAY_SIM_DEV_KEYS is off`);
    const key = Sm2PrivateKey.generate();
    await writeSecret(path, key.toPem());
    generated.push(name);
    return key;
  }

  const zoneKey = await hexKey(paths.zone, 'zone key');
  const switchKey = await sm2Key(paths.switchKey, 'switch SM2 key pair');
  const panIndexKey = await hexKey(paths.panIndex, 'PAN index key');
  let devAcquirer: SimKeys['devAcquirer'];
  if (config.devKeys) {
    const acquirerKey = await sm2Key(paths.acquirerKey, 'dev acquirer SM2 key pair');
    const bundle: AcquirerBundle = {
      switchId: config.switchId,
      acquirerId: config.devAcquirerId,
      forwardingId: config.devAcquirerId,
      zoneKeyHex: zoneKey.toString('hex'),
      acquirerPrivateKeyPem: acquirerKey.toPem(),
      switchPublicKeyPem: switchKey.publicKey.toPem(),
    };
    const text = `${JSON.stringify(bundle, null, 2)}\n`;
    if ((await readIfPresent(paths.bundle)) !== text) await writeSecret(paths.bundle, text);
    devAcquirer = { id: config.devAcquirerId, publicKey: acquirerKey.publicKey, bundlePath: paths.bundle };
  }
  logger.info(
    {
      keyDir: dir,
      generated,
      zoneKeyKcv: keyCheckValue(zoneKey),
      switchPublicKey: switchKey.publicKey.toHex(),
      acquirerBundle: devAcquirer?.bundlePath,
      devAcquirerId: devAcquirer?.id,
      devAcquirerPublicKey: devAcquirer?.publicKey.toHex(),
    },
    generated.length ? `unionpay-sim generated ${generated.join(', ')}` : 'unionpay-sim keys loaded',
  );
  return { zoneKey, switchKey, panIndexKey, devAcquirer };
}
