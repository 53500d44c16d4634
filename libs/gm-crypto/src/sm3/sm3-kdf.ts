import { createHash } from 'node:crypto';

/**
 * The SM3 key derivation function of GB/T 32918.4 §5.4.3: SM3(Z ‖ ct) for ct = 1, 2, … (32-bit big-endian),
 * concatenated and cut to `length` bytes. The hash state after Z is copied instead of re-hashing Z per block.
 */
export function sm3Kdf(z: Uint8Array, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  const prefix = createHash('sm3').update(z);
  const counter = Buffer.alloc(4);
  for (let offset = 0, ct = 1; offset < length; offset += 32, ct++) {
    counter.writeUInt32BE(ct, 0);
    const block = prefix.copy().update(counter).digest();
    block.copy(out, offset, 0, Math.min(32, length - offset));
  }
  return out;
}
