import { createCipheriv, timingSafeEqual } from 'node:crypto';
import { GmCryptoError } from '../errors/gm-crypto-error';
import { requireBytes } from '../internal/bytes';
import { ghash, ghashTable, type GhashTable } from './ghash';
import { cryptBlock, expandKey } from './sm4-js-core';
import { requireSm4Key, SM4_BLOCK_LENGTH } from './sm4-params';

/**
 * SM4-GCM as used by RFC 8998 (TLS_SM4_GCM_SM3): NIST SP 800-38D GCM instantiated with SM4, 16-byte tag.
 * Node's OpenSSL (3.0 in Node 20, 3.5 in Node 22) has no sm4-gcm, so it is composed here: H, E_K(J0) and short key streams from the JS SM4
 * block function, long key streams from native sm4-ctr, GHASH from 4-bit tables (ghash.ts).
 */
export const SM4_GCM_TAG_LENGTH = 16;
/** The nonce length RFC 8998 uses; other non-empty lengths follow SP 800-38D (J0 derived through GHASH). */
export const SM4_GCM_IV_LENGTH = 12;

export interface Sm4GcmOptions {
  /** Unique per encryption under one key; 12 bytes recommended. */
  iv: Uint8Array;
  /** Additional authenticated data (authenticated, not encrypted). Absent means empty, as in the standard. */
  aad?: Uint8Array;
}

export interface Sm4GcmDecryptOptions extends Sm4GcmOptions {
  tag: Uint8Array;
}

export interface Sm4GcmSealed {
  ciphertext: Buffer;
  tag: Buffer;
}

/** Up to this many blocks the key stream comes from the JS block function; beyond, from native sm4-ctr. */
const SMALL_MESSAGE_BLOCKS = 32;

/** @internal exported for the counter-wrap test only. */
export interface GcmContext {
  key: Buffer;
  roundKeys: Int32Array;
  table: GhashTable;
  j0: Buffer;
}

// Key schedule and GHASH table of the call in progress (synchronous, so shared), wiped by `release`.
const scratchRoundKeys = new Int32Array(32);
const scratchTable = new Int32Array(64);

/** @internal Call `release` when done. */
export function setup(key: Uint8Array, ivInput: Uint8Array | undefined): GcmContext {
  const k = requireSm4Key(key);
  if (!(ivInput instanceof Uint8Array) || ivInput.length === 0) {
    throw new GmCryptoError('BAD_IV_LENGTH', 'SM4-GCM IV must be a non-empty Buffer');
  }
  const iv = requireBytes(ivInput, 'iv');
  const roundKeys = expandKey(k, scratchRoundKeys);
  const h = Buffer.alloc(SM4_BLOCK_LENGTH);
  cryptBlock(roundKeys, false, h, 0, h, 0);
  const table = ghashTable(h, scratchTable);
  h.fill(0);
  let j0: Buffer;
  if (iv.length === SM4_GCM_IV_LENGTH) {
    j0 = Buffer.alloc(SM4_BLOCK_LENGTH);
    iv.copy(j0);
    j0[15] = 1;
  } else {
    j0 = ghash(table, Buffer.alloc(0), iv);
  }
  return { key: k, roundKeys, table, j0 };
}

/** @internal Returns E_K(J0) (the tag mask) and the GCTR transform of `input` starting at inc32(J0). */
export function gctr(ctx: GcmContext, input: Buffer): { tagMask: Buffer; output: Buffer } {
  const blocks = Math.ceil(input.length / SM4_BLOCK_LENGTH);
  const low = ctx.j0.readUInt32BE(12);
  const tagMask = Buffer.allocUnsafe(SM4_BLOCK_LENGTH);
  cryptBlock(ctx.roundKeys, false, ctx.j0, 0, tagMask, 0);
  if (blocks <= SMALL_MESSAGE_BLOCKS) {
    const counter = Buffer.from(ctx.j0);
    const stream = Buffer.allocUnsafe(SM4_BLOCK_LENGTH);
    const output = Buffer.allocUnsafe(input.length);
    for (let b = 0; b < blocks; b++) {
      counter.writeUInt32BE((low + b + 1) >>> 0, 12); // inc32: only the low 32 bits count, mod 2^32
      cryptBlock(ctx.roundKeys, false, counter, 0, stream, 0);
      const end = Math.min(input.length, (b + 1) * SM4_BLOCK_LENGTH);
      for (let i = b * SM4_BLOCK_LENGTH; i < end; i++) {
        output[i] = input[i] ^ stream[i - b * SM4_BLOCK_LENGTH];
      }
    }
    return { tagMask, output };
  }
  // Native sm4-ctr increments all 128 bits; GCM's inc32 wraps the low 32. Split where the low word would wrap.
  const first = (low + 1) >>> 0;
  const blocksBeforeWrap = 0x100000000 - first;
  const splitAt = Math.min(input.length, blocksBeforeWrap * SM4_BLOCK_LENGTH);
  const parts = [ctrSegment(ctx, first, input.subarray(0, splitAt))];
  if (splitAt < input.length) parts.push(ctrSegment(ctx, 0, input.subarray(splitAt)));
  return { tagMask, output: parts.length === 1 ? parts[0] : Buffer.concat(parts) };
}

function ctrSegment(ctx: GcmContext, counterLow: number, input: Buffer): Buffer {
  const iv = Buffer.allocUnsafe(SM4_BLOCK_LENGTH);
  ctx.j0.copy(iv, 0, 0, 12);
  iv.writeUInt32BE(counterLow, 12);
  const cipher = createCipheriv('sm4-ctr', ctx.key, iv);
  const head = cipher.update(input);
  const tail = cipher.final();
  return tail.length === 0 ? head : Buffer.concat([head, tail]);
}

/** @internal */
export function release(ctx: GcmContext): void {
  ctx.roundKeys.fill(0);
  ctx.table.fill(0);
}

function computeTag(ctx: GcmContext, aad: Buffer, ciphertext: Buffer, tagMask: Buffer): Buffer {
  const s = ghash(ctx.table, aad, ciphertext);
  for (let i = 0; i < SM4_GCM_TAG_LENGTH; i++) s[i] ^= tagMask[i];
  return s;
}

function aadOf(options: Sm4GcmOptions | undefined): Buffer {
  return options?.aad === undefined ? Buffer.alloc(0) : requireBytes(options.aad, 'aad');
}

export function sm4GcmEncrypt(key: Uint8Array, plaintext: Uint8Array, options: Sm4GcmOptions): Sm4GcmSealed {
  const aad = aadOf(options);
  const input = requireBytes(plaintext, 'plaintext');
  const ctx = setup(key, options?.iv);
  try {
    const { tagMask, output } = gctr(ctx, input);
    return { ciphertext: output, tag: computeTag(ctx, aad, output, tagMask) };
  } finally {
    release(ctx);
  }
}

/** Verifies the tag (constant-time comparison) before any plaintext is released. */
export function sm4GcmDecrypt(
  key: Uint8Array,
  ciphertext: Uint8Array,
  options: Sm4GcmDecryptOptions,
): Buffer {
  const aad = aadOf(options);
  const tag = requireBytes(options?.tag, 'tag');
  if (tag.length !== SM4_GCM_TAG_LENGTH) {
    throw new GmCryptoError('BAD_INPUT_LENGTH', `SM4-GCM tag must be ${SM4_GCM_TAG_LENGTH} bytes`);
  }
  const input = requireBytes(ciphertext, 'ciphertext');
  const ctx = setup(key, options?.iv);
  let tagMask: Buffer;
  let output: Buffer;
  let expected: Buffer;
  try {
    ({ tagMask, output } = gctr(ctx, input));
    expected = computeTag(ctx, aad, input, tagMask);
  } finally {
    release(ctx);
  }
  if (!timingSafeEqual(expected, tag)) {
    output.fill(0);
    throw new GmCryptoError('TAG_MISMATCH', 'SM4-GCM authentication failed');
  }
  return output;
}
