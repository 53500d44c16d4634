import { readFile } from 'node:fs/promises';
import { Sm2PrivateKey, Sm2PublicKey, SM4_KEY_LENGTH } from '@wxpay/gm-crypto';
import { z } from 'zod';
import { UnionPayConfigError } from '../errors/unionpay-errors';
import { type ChannelKeys } from './channel-options';

/**
 * What an acquirer needs to join the switch, as one JSON file (mode 0600): institution codes, the zone key and
 * both SM2 keys. In production these come from the key ceremony; in dev the simulator writes this file on its
 * first start (the launcher points the payment service at it).
 */
export const acquirerBundleSchema = z.object({
  switchId: z.string().regex(/^[0-9]{8,11}$/),
  acquirerId: z.string().regex(/^[0-9]{8,11}$/),
  forwardingId: z.string().regex(/^[0-9]{8,11}$/),
  zoneKeyHex: z.string().regex(/^[0-9a-fA-F]{32}$/),
  acquirerPrivateKeyPem: z.string().min(1),
  switchPublicKeyPem: z.string().min(1),
});

export type AcquirerBundle = z.infer<typeof acquirerBundleSchema>;

export interface LoadedAcquirerBundle {
  switchId: string;
  acquirerId: string;
  forwardingId: string;
  keys: ChannelKeys;
}

export function parseAcquirerBundle(json: string): LoadedAcquirerBundle {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new UnionPayConfigError('acquirer bundle is not JSON');
  }
  const parsed = acquirerBundleSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UnionPayConfigError(
      `acquirer bundle: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')} invalid`,
    );
  }
  const b = parsed.data;
  const zoneKey = Buffer.from(b.zoneKeyHex, 'hex');
  if (zoneKey.length !== SM4_KEY_LENGTH)
    throw new UnionPayConfigError('acquirer bundle: zone key must be 16 bytes');
  try {
    return {
      switchId: b.switchId,
      acquirerId: b.acquirerId,
      forwardingId: b.forwardingId,
      keys: {
        zoneKey,
        acquirerPrivateKey: Sm2PrivateKey.fromPem(b.acquirerPrivateKeyPem),
        switchPublicKey: Sm2PublicKey.fromPem(b.switchPublicKeyPem),
      },
    };
  } catch {
    throw new UnionPayConfigError('acquirer bundle: an SM2 key does not parse');
  }
}

export async function loadAcquirerBundle(path: string): Promise<LoadedAcquirerBundle> {
  let json: string;
  try {
    json = await readFile(path, 'utf8');
  } catch {
    throw new UnionPayConfigError(`acquirer bundle not readable at ${path}`);
  }
  return parseAcquirerBundle(json);
}
