import { type Socket } from 'node:net';

/**
 * Coalesces the frames written during one turn of the event loop into a single socket write, so a burst of
 * pipelined messages costs one TLS record instead of one per message.
 */
export class FrameWriter {
  #queued: Buffer[] = [];
  #scheduled = false;

  constructor(private readonly socket: Socket) {}

  write(frame: Buffer): void {
    this.#queued.push(frame);
    if (this.#scheduled) return;
    this.#scheduled = true;
    process.nextTick(() => this.flush());
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#queued.length === 0 || this.socket.destroyed) {
      this.#queued = [];
      return;
    }
    const data = this.#queued.length === 1 ? this.#queued[0] : Buffer.concat(this.#queued);
    this.#queued = [];
    this.socket.write(data);
  }
}
