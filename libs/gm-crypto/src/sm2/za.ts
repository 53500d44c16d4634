import { createHash } from 'node:crypto';
import { GmCryptoError } from '../errors/gm-crypto-error';
import { bigintToBytes } from '../internal/bytes';
import { A, B, FIELD_BYTES, GX, GY } from './curve';

/** GM/T 0009 / GB/T 35276 default distinguishing identifier, used when the parties agreed on nothing else. */
export const SM2_DEFAULT_USER_ID = '1234567812345678';

const CURVE_BYTES = Buffer.concat([A, B, GX, GY].map((v) => bigintToBytes(v, FIELD_BYTES)));

/** ENTL is a 16-bit bit length, so an ID can have at most 8191 bytes. */
const MAX_USER_ID_BYTES = 8191;

export function userIdBytes(userId: Uint8Array | string | undefined): Buffer {
  const id =
    userId === undefined
      ? Buffer.from(SM2_DEFAULT_USER_ID, 'utf8')
      : typeof userId === 'string'
        ? Buffer.from(userId, 'utf8')
        : userId instanceof Uint8Array
          ? Buffer.from(userId)
          : undefined;
  if (id === undefined) throw new GmCryptoError('BAD_OPTION', 'userId must be a string or a Buffer');
  if (id.length > MAX_USER_ID_BYTES) {
    throw new GmCryptoError('BAD_OPTION', 'userId is longer than 8191 bytes');
  }
  return id;
}

/** Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A)  (GB/T 32918.2 §5.5). */
export function computeZa(userId: Buffer, publicKeyXY: Buffer): Buffer {
  const entl = Buffer.alloc(2);
  entl.writeUInt16BE(userId.length * 8, 0);
  return createHash('sm3').update(entl).update(userId).update(CURVE_BYTES).update(publicKeyXY).digest();
}
