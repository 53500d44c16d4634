import { UnionPayCodecError } from '../errors/unionpay-errors';

/** Every frame starts with the message length as 4 ASCII digits (profile §3.2). */
export const FRAME_PREFIX_LENGTH = 4;
export const MAX_MESSAGE_LENGTH = 9999;

/**
 * Splits a TCP/TLS byte stream into frames (header + body, prefix removed). A malformed prefix leaves the
 * stream unsynchronised, so it throws and the connection must be closed.
 */
export class FrameReader {
  #pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const frames: Buffer[] = [];
    let at = 0;
    while (this.#pending.length - at >= FRAME_PREFIX_LENGTH) {
      const prefix = this.#pending.toString('latin1', at, at + FRAME_PREFIX_LENGTH);
      if (!/^[0-9]{4}$/.test(prefix)) {
        throw new UnionPayCodecError('BAD_FRAME_LENGTH', 'frame length prefix is not 4 decimal digits');
      }
      const length = Number(prefix);
      if (length === 0) throw new UnionPayCodecError('BAD_FRAME_LENGTH', 'frame length is zero');
      if (this.#pending.length - at - FRAME_PREFIX_LENGTH < length) break;
      const start = at + FRAME_PREFIX_LENGTH;
      frames.push(this.#pending.subarray(start, start + length));
      at = start + length;
    }
    this.#pending = at === this.#pending.length ? Buffer.alloc(0) : this.#pending.subarray(at);
    return frames;
  }

  /** Bytes received but not yet a whole frame. */
  get buffered(): number {
    return this.#pending.length;
  }
}
