import { createCipheriv } from 'node:crypto';
import { GmCryptoError } from '../errors/gm-crypto-error';
import { requireBytes } from '../internal/bytes';
import { cryptBlock, expandKey } from './sm4-js-core';
import { jsEncrypt, JS_PATH_MAX_BYTES } from './sm4-js-modes';
import { requireSm4Key, SM4_BLOCK_LENGTH } from './sm4-params';

/**
 * Raw SM4 block encryption/decryption under one key (key wrapping, PIN blocks, MAC sub-steps). The key
 * schedule is expanded once; single blocks never pay for a native cipher context.
 */
export class Sm4BlockCipher {
  readonly blockSize = SM4_BLOCK_LENGTH;
  readonly #key: Buffer;
  readonly #roundKeys: Int32Array;

  constructor(key: Uint8Array) {
    this.#key = Buffer.from(requireSm4Key(key));
    this.#roundKeys = expandKey(this.#key);
  }

  /** Encrypts one or more whole blocks independently (ECB). */
  encryptBlocks(blocks: Uint8Array): Buffer {
    return this.#crypt(blocks, false);
  }

  decryptBlocks(blocks: Uint8Array): Buffer {
    return this.#crypt(blocks, true);
  }

  /** CBC encryption with an all-zero IV, no padding (the chaining step of CBC-MAC). */
  cbcEncryptZeroIv(blocks: Uint8Array): Buffer {
    const input = requireWholeBlocks(blocks);
    const iv = Buffer.alloc(SM4_BLOCK_LENGTH);
    if (input.length <= JS_PATH_MAX_BYTES) return jsEncrypt(this.#key, iv, input, 'none');
    return createCipheriv('sm4-cbc', this.#key, iv).setAutoPadding(false).update(input);
  }

  #crypt(blocks: Uint8Array, decrypt: boolean): Buffer {
    const input = requireWholeBlocks(blocks);
    const out = Buffer.allocUnsafe(input.length);
    for (let off = 0; off < input.length; off += SM4_BLOCK_LENGTH) {
      cryptBlock(this.#roundKeys, decrypt, input, off, out, off);
    }
    return out;
  }
}

function requireWholeBlocks(data: Uint8Array): Buffer {
  const buf = requireBytes(data, 'blocks');
  if (buf.length === 0 || buf.length % SM4_BLOCK_LENGTH !== 0) {
    throw new GmCryptoError('BAD_INPUT_LENGTH', 'input must be a non-empty multiple of 16 bytes');
  }
  return buf;
}
