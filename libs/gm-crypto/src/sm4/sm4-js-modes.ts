import { GmCryptoError } from '../errors/gm-crypto-error';
import { cryptBlock, expandKey } from './sm4-js-core';
import { SM4_BLOCK_LENGTH, type Sm4Padding } from './sm4-params';

/** Inputs up to this size take the JS path (no native context set-up); longer ones go to OpenSSL. */
export const JS_PATH_MAX_BYTES = 512;

/**
 * Round keys of the call in progress. JS runs these functions to completion without interleaving, so one
 * array suffices; it is zeroed before returning so no key schedule outlives the call.
 */
const scratchRoundKeys = new Int32Array(32);
const chain = Buffer.alloc(SM4_BLOCK_LENGTH);

export function pkcs7Pad(data: Buffer): Buffer {
  const n = SM4_BLOCK_LENGTH - (data.length % SM4_BLOCK_LENGTH);
  const out = Buffer.allocUnsafe(data.length + n);
  data.copy(out);
  out.fill(n, data.length);
  return out;
}

/**
 * Checks every padding byte without early exit. (Unauthenticated CBC remains a padding oracle at the protocol
 * level whatever this function does; authenticate before decrypting attacker-supplied data.)
 */
export function pkcs7Unpad(data: Buffer): Buffer {
  const len = data.length;
  const n = data[len - 1];
  let bad = ((n - 1) >>> 31) | ((SM4_BLOCK_LENGTH - n) >>> 31);
  for (let i = 1; i <= SM4_BLOCK_LENGTH; i++) {
    const inPadding = (i - n - 1) >>> 31;
    const diff = data[len - i] ^ n;
    bad |= inPadding & ((diff | -diff) >>> 31);
  }
  if (bad !== 0) throw new GmCryptoError('BAD_PADDING', 'invalid PKCS#7 padding');
  return data.subarray(0, len - n);
}

/** ECB (iv = null) or CBC over whole blocks; `data` length is already validated. */
export function jsEncrypt(key: Buffer, iv: Buffer | null, data: Buffer, padding: Sm4Padding): Buffer {
  const input = padding === 'pkcs7' ? pkcs7Pad(data) : data;
  const rk = expandKey(key, scratchRoundKeys);
  const out = Buffer.allocUnsafe(input.length);
  try {
    if (iv === null) {
      for (let off = 0; off < input.length; off += SM4_BLOCK_LENGTH) {
        cryptBlock(rk, false, input, off, out, off);
      }
      return out;
    }
    iv.copy(chain);
    for (let off = 0; off < input.length; off += SM4_BLOCK_LENGTH) {
      for (let i = 0; i < SM4_BLOCK_LENGTH; i++) chain[i] ^= input[off + i];
      cryptBlock(rk, false, chain, 0, out, off);
      out.copy(chain, 0, off, off + SM4_BLOCK_LENGTH);
    }
    return out;
  } finally {
    rk.fill(0);
    chain.fill(0);
  }
}

export function jsDecrypt(key: Buffer, iv: Buffer | null, data: Buffer, padding: Sm4Padding): Buffer {
  const rk = expandKey(key, scratchRoundKeys);
  const out = Buffer.allocUnsafe(data.length);
  try {
    for (let off = 0; off < data.length; off += SM4_BLOCK_LENGTH) {
      cryptBlock(rk, true, data, off, out, off);
      if (iv !== null) {
        const prev = off === 0 ? iv : data.subarray(off - SM4_BLOCK_LENGTH, off);
        for (let i = 0; i < SM4_BLOCK_LENGTH; i++) out[off + i] ^= prev[i];
      }
    }
  } finally {
    rk.fill(0);
  }
  if (padding === 'none') return out;
  try {
    return pkcs7Unpad(out);
  } catch (err) {
    out.fill(0);
    throw err;
  }
}
