/**
 * GHASH (NIST SP 800-38D §6.4) with Shoup's 4-bit tables: the 16 multiples of H by 4-bit polynomials are
 * precomputed once per key, so each 16-byte block costs 32 table look-ups, shifts and XORs on 32-bit words
 * instead of a 128-step bit loop or BigInt arithmetic.
 *
 * Timing: the look-ups are indexed by nibbles of (state ⊕ data). That is the classic cache-timing exposure of
 * table-driven GHASH; there is no data-dependent branching. Acceptable for a JS implementation; a vault that
 * must resist co-resident cache attackers should prefer SM4-CBC + HMAC-SM3 (all native).
 */

/** Reduction constants for the 4 bits shifted out at the low end (x^128 = x^7 + x^2 + x + 1, bit-reflected). */
const LAST4 = Int32Array.from([
  0x0000, 0x1c20, 0x3840, 0x2460, 0x7080, 0x6ca0, 0x48c0, 0x54e0, 0xe100, 0xfd20, 0xd940, 0xc560, 0x9180,
  0x8da0, 0xa9c0, 0xb5e0,
]);

/** 16 entries × 4 words (most significant first): entry i is H times the 4-bit polynomial i. */
export type GhashTable = Int32Array;

export function ghashTable(h: Uint8Array, t: GhashTable = new Int32Array(64)): GhashTable {
  let v0 = readWord(h, 0);
  let v1 = readWord(h, 4);
  let v2 = readWord(h, 8);
  let v3 = readWord(h, 12);
  t.fill(0, 0, 4);
  setEntry(t, 8, v0, v1, v2, v3);
  for (let i = 4; i > 0; i >>= 1) {
    // Multiply by x: shift right one bit, reduce when a bit falls off the low end.
    const carry = v3 & 1;
    v3 = (v3 >>> 1) | (v2 << 31);
    v2 = (v2 >>> 1) | (v1 << 31);
    v1 = (v1 >>> 1) | (v0 << 31);
    v0 = (v0 >>> 1) ^ (-carry & 0xe1000000);
    setEntry(t, i, v0, v1, v2, v3);
  }
  for (let i = 2; i <= 8; i *= 2) {
    for (let j = 1; j < i; j++) {
      for (let w = 0; w < 4; w++) t[(i + j) * 4 + w] = t[i * 4 + w] ^ t[j * 4 + w];
    }
  }
  return t;
}

function setEntry(t: Int32Array, i: number, w0: number, w1: number, w2: number, w3: number): void {
  t[i * 4] = w0;
  t[i * 4 + 1] = w1;
  t[i * 4 + 2] = w2;
  t[i * 4 + 3] = w3;
}

// Running state Y and the block being multiplied; module-level because GHASH runs to completion synchronously.
const y = new Int32Array(4);
const x = new Uint8Array(16);

function absorbBlock(t: GhashTable, data: Uint8Array, off: number, len: number): void {
  writeWord(x, 0, y[0]);
  writeWord(x, 4, y[1]);
  writeWord(x, 8, y[2]);
  writeWord(x, 12, y[3]);
  for (let i = 0; i < len; i++) x[i] ^= data[off + i];
  let idx = (x[15] & 0x0f) * 4;
  let z0 = t[idx];
  let z1 = t[idx + 1];
  let z2 = t[idx + 2];
  let z3 = t[idx + 3];
  for (let i = 15; i >= 0; i--) {
    const byte = x[i];
    if (i !== 15) {
      const rem = z3 & 0x0f;
      z3 = (z3 >>> 4) | (z2 << 28);
      z2 = (z2 >>> 4) | (z1 << 28);
      z1 = (z1 >>> 4) | (z0 << 28);
      z0 = (z0 >>> 4) ^ (LAST4[rem] << 16);
      idx = (byte & 0x0f) * 4;
      z0 ^= t[idx];
      z1 ^= t[idx + 1];
      z2 ^= t[idx + 2];
      z3 ^= t[idx + 3];
    }
    const rem = z3 & 0x0f;
    z3 = (z3 >>> 4) | (z2 << 28);
    z2 = (z2 >>> 4) | (z1 << 28);
    z1 = (z1 >>> 4) | (z0 << 28);
    z0 = (z0 >>> 4) ^ (LAST4[rem] << 16);
    idx = (byte >>> 4) * 4;
    z0 ^= t[idx];
    z1 ^= t[idx + 1];
    z2 ^= t[idx + 2];
    z3 ^= t[idx + 3];
  }
  y[0] = z0;
  y[1] = z1;
  y[2] = z2;
  y[3] = z3;
}

/** Absorbs `data`, zero-padding its last partial block. */
function absorb(t: GhashTable, data: Uint8Array): void {
  for (let off = 0; off < data.length; off += 16) absorbBlock(t, data, off, Math.min(16, data.length - off));
}

/** GHASH_H(A ‖ 0* ‖ C ‖ 0* ‖ [len(A)]64 ‖ [len(C)]64), lengths in bits. */
export function ghash(table: GhashTable, aad: Uint8Array, data: Uint8Array): Buffer {
  y.fill(0);
  absorb(table, aad);
  absorb(table, data);
  const lengths = Buffer.alloc(16);
  writeBitLength(lengths, 0, aad.length);
  writeBitLength(lengths, 8, data.length);
  absorbBlock(table, lengths, 0, 16);
  const out = Buffer.allocUnsafe(16);
  for (let w = 0; w < 4; w++) writeWord(out, w * 4, y[w]);
  y.fill(0);
  x.fill(0);
  return out;
}

function readWord(b: Uint8Array, off: number): number {
  return (b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3];
}

function writeWord(out: Uint8Array, off: number, w: number): void {
  out[off] = w >>> 24;
  out[off + 1] = (w >>> 16) & 0xff;
  out[off + 2] = (w >>> 8) & 0xff;
  out[off + 3] = w & 0xff;
}

function writeBitLength(out: Buffer, off: number, bytes: number): void {
  const bits = bytes * 8; // exact in a double for any Buffer length
  out.writeUInt32BE(Math.floor(bits / 0x100000000), off);
  out.writeUInt32BE(bits % 0x100000000, off + 4);
}
