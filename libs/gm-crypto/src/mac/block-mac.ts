import { GmCryptoError } from '../errors/gm-crypto-error';
import { requireBytes } from '../internal/bytes';

/**
 * Banking MAC constructions written once over any block cipher, so the same code can be checked against the
 * published DES vectors (FIPS 113 / ANSI X9.19) in tests and then used with SM4.
 */
export interface MacBlockCipher {
  readonly blockSize: number;
  encryptBlocks(blocks: Buffer): Buffer;
  decryptBlocks(blocks: Buffer): Buffer;
  cbcEncryptZeroIv(blocks: Buffer): Buffer;
}

/**
 * 'zero': ISO/IEC 9797-1 padding method 1 (append zero bytes up to a whole block; none if already whole;
 * empty input becomes one zero block). This is what ANSI X9.9/X9.19 and the CUPS-style MACs use.
 * 'iso9797-m2': padding method 2 (append 0x80, then zeros) — unambiguous for variable-length data.
 */
export type MacPadding = 'zero' | 'iso9797-m2';

export function padForMac(data: Buffer, blockSize: number, padding: MacPadding): Buffer {
  if (padding === 'zero') {
    const len = Math.max(blockSize, Math.ceil(data.length / blockSize) * blockSize);
    if (len === data.length) return data;
    const out = Buffer.alloc(len);
    data.copy(out);
    return out;
  }
  if (padding === 'iso9797-m2') {
    const len = (Math.floor(data.length / blockSize) + 1) * blockSize;
    const out = Buffer.alloc(len);
    data.copy(out);
    out[data.length] = 0x80;
    return out;
  }
  throw new GmCryptoError('BAD_OPTION', "MAC padding must be 'zero' or 'iso9797-m2'");
}

/** ISO/IEC 9797-1 MAC algorithm 1: CBC with a zero IV, the MAC is the last ciphertext block (untruncated). */
export function cbcMac(cipher: MacBlockCipher, data: Uint8Array, padding: MacPadding): Buffer {
  const padded = padForMac(requireBytes(data, 'data'), cipher.blockSize, padding);
  const chained = cipher.cbcEncryptZeroIv(padded);
  return Buffer.from(chained.subarray(chained.length - cipher.blockSize));
}

/**
 * ISO/IEC 9797-1 MAC algorithm 3 ("retail MAC", ANSI X9.19 when the cipher is DES): CBC under K_L over all
 * blocks, then the last block is decrypted under K_R and encrypted again under K_L.
 */
export function retailMac(
  left: MacBlockCipher,
  right: MacBlockCipher,
  data: Uint8Array,
  padding: MacPadding,
): Buffer {
  const last = cbcMac(left, data, padding);
  return left.encryptBlocks(right.decryptBlocks(last));
}

/** Key check value: the first `length` bytes of the encryption of an all-zero block. */
export function keyCheckValue(cipher: MacBlockCipher, length: number): Buffer {
  if (!Number.isInteger(length) || length < 1 || length > cipher.blockSize) {
    throw new GmCryptoError('BAD_OPTION', `check value length must be 1..${cipher.blockSize}`);
  }
  return Buffer.from(cipher.encryptBlocks(Buffer.alloc(cipher.blockSize)).subarray(0, length));
}
