/**
 * The load generator's default gRPC client: HTTP/2 frames written straight onto one mutual-TLS socket. Node's
 * http2 client costs the generator about 180 µs of CPU and some 25 KB of garbage per call (a Duplex stream, header
 * objects and listeners each time); on a two-core machine that CPU and the collections it triggers came back as
 * the generator's own stalls inside the service's measured tail. Here a call is one prebuilt buffer (HEADERS and
 * DATA frames) with its stream id patched in, and an answer is found by reading frame headers.
 *
 * What it leaves out, and why that is sound for this benchmark only:
 * - The request header block is HPACK without the dynamic table or Huffman coding (the same bytes for every
 *   call), which every HTTP/2 server must accept.
 * - Response headers are not decoded (that would need HPACK's dynamic table and Huffman decoder). A gRPC server
 *   answers a failed call trailers-only, with no DATA frame, so "a message arrived, then the stream ended" is
 *   success and anything else is counted as an error (status not decoded). The answer is also decoded as a
 *   RiskDecision by the caller, so a garbled one would not go unnoticed.
 * - It advertises the largest receive windows at the start and so never owes a WINDOW_UPDATE; it honours the
 *   server's connection window for what it sends (queueing calls when it is spent).
 */
import { connect, type TLSSocket } from 'tls';

const FRAME = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8 };
const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 };
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const MAX_WINDOW = 2 ** 31 - 1;
const DEFAULT_WINDOW = 65_535;
const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
const SETTINGS_ENABLE_PUSH = 0x2;

export interface FrameClientTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  servername: string;
}

function frameHeader(length: number, type: number, flags: number, streamId: number): Buffer {
  const b = Buffer.alloc(9);
  b.writeUIntBE(length, 0, 3);
  b[3] = type;
  b[4] = flags;
  b.writeUInt32BE(streamId, 5);
  return b;
}

/** HPACK integer with an n-bit prefix (RFC 7541 §5.1). */
function hpackInt(value: number, prefixBits: number, firstByteHigh: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [firstByteHigh | value];
  const out = [firstByteHigh | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

const hpackString = (s: string) => [...hpackInt(Buffer.byteLength(s), 7, 0), ...Buffer.from(s, 'latin1')];

/** A header block for a gRPC unary POST: indexed or literal-without-indexing fields only. */
export function grpcRequestHeaderBlock(path: string, authority: string, deadlineMs: number): Buffer {
  // Static table (RFC 7541 Appendix A): 1 :authority, 3 :method POST, 4 :path, 7 :scheme https, 31 content-type.
  const literalIndexedName = (index: number, value: string) => [
    ...hpackInt(index, 4, 0),
    ...hpackString(value),
  ];
  const literalNewName = (name: string, value: string) => [0, ...hpackString(name), ...hpackString(value)];
  return Buffer.from([
    0x83,
    0x87,
    ...literalIndexedName(4, path),
    ...literalIndexedName(1, authority),
    ...literalIndexedName(31, 'application/grpc'),
    ...literalNewName('te', 'trailers'),
    ...literalNewName('grpc-timeout', `${deadlineMs}m`),
  ]);
}

interface Call {
  resolve: (message: Buffer) => void;
  reject: (e: Error) => void;
  data?: Buffer;
}

export class FrameGrpcError extends Error {}

export class FrameGrpcClient {
  private readonly socket: TLSSocket;
  private readonly ready: Promise<void>;
  private readonly calls = new Map<number, Call>();
  private nextStreamId = 1;
  private sendWindow = DEFAULT_WINDOW;
  private readonly queued: { bytes: Buffer; dataLength: number }[] = [];
  private inbox: Buffer = Buffer.alloc(0);

  constructor(host: string, port: number, tls: FrameClientTls) {
    this.socket = connect({ host, port, ...tls, ALPNProtocols: ['h2'] });
    this.socket.setNoDelay(true);
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('secureConnect', () => {
        if (this.socket.alpnProtocol !== 'h2') {
          reject(new Error(`the server did not agree to HTTP/2 (ALPN ${String(this.socket.alpnProtocol)})`));
          return;
        }
        const settings = Buffer.alloc(12);
        settings.writeUInt16BE(SETTINGS_ENABLE_PUSH, 0);
        settings.writeUInt32BE(0, 2);
        settings.writeUInt16BE(SETTINGS_INITIAL_WINDOW_SIZE, 6);
        settings.writeUInt32BE(MAX_WINDOW, 8);
        const connectionWindow = Buffer.alloc(4);
        connectionWindow.writeUInt32BE(MAX_WINDOW - DEFAULT_WINDOW, 0);
        this.socket.write(
          Buffer.concat([
            PREFACE,
            frameHeader(12, FRAME.SETTINGS, 0, 0),
            settings,
            frameHeader(4, FRAME.WINDOW_UPDATE, 0, 0),
            connectionWindow,
          ]),
        );
        resolve();
      });
      this.socket.once('error', reject);
    });
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('error', (e) => this.failAll(e));
    this.socket.on('close', () => this.failAll(new Error('the connection closed')));
  }

  connected(): Promise<void> {
    return this.ready;
  }

  /**
   * A prebuilt call: HEADERS (END_HEADERS) then DATA (END_STREAM) carrying `grpcFrame`, with room for the stream
   * id, which `send` writes in place. Built before the run so that a call allocates nothing but its promise.
   */
  static prepare(headerBlock: Buffer, grpcFrame: Buffer): Buffer {
    return Buffer.concat([
      frameHeader(headerBlock.length, FRAME.HEADERS, FLAG.END_HEADERS, 0),
      headerBlock,
      frameHeader(grpcFrame.length, FRAME.DATA, FLAG.END_STREAM, 0),
      grpcFrame,
    ]);
  }

  /** Sends a prepared call (each prepared buffer once); resolves with the answer's message bytes. */
  unary(prepared: Buffer): Promise<Buffer> {
    const streamId = this.nextStreamId;
    this.nextStreamId += 2;
    prepared.writeUInt32BE(streamId, 5);
    const dataAt = 9 + prepared.readUIntBE(0, 3);
    prepared.writeUInt32BE(streamId, dataAt + 5);
    const dataLength = prepared.readUIntBE(dataAt, 3);
    return new Promise((resolve, reject) => {
      this.calls.set(streamId, { resolve, reject });
      if (this.queued.length || dataLength > this.sendWindow)
        this.queued.push({ bytes: prepared, dataLength });
      else this.write(prepared, dataLength);
    });
  }

  close(): void {
    this.socket.end();
  }

  private write(bytes: Buffer, dataLength: number): void {
    this.sendWindow -= dataLength;
    this.socket.write(bytes);
  }

  private receive(chunk: Buffer): void {
    let buf = this.inbox.length ? Buffer.concat([this.inbox, chunk]) : chunk;
    let at = 0;
    while (buf.length - at >= 9) {
      const length = buf.readUIntBE(at, 3);
      if (buf.length - at < 9 + length) break;
      const type = buf[at + 3]!;
      const flags = buf[at + 4]!;
      const streamId = buf.readUInt32BE(at + 5) & 0x7fffffff;
      this.frame(type, flags, streamId, buf.subarray(at + 9, at + 9 + length));
      at += 9 + length;
    }
    buf = buf.subarray(at);
    // Keep a copy of a partial frame only: the socket may reuse its chunk's memory.
    this.inbox = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
  }

  private frame(type: number, flags: number, streamId: number, payload: Buffer): void {
    switch (type) {
      case FRAME.DATA: {
        const call = this.calls.get(streamId);
        if (call) {
          const body = flags & FLAG.PADDED ? payload.subarray(1, payload.length - payload[0]!) : payload;
          call.data = call.data ? Buffer.concat([call.data, body]) : Buffer.from(body);
          if (flags & FLAG.END_STREAM) this.finish(streamId);
        }
        break;
      }
      case FRAME.HEADERS:
        if (flags & FLAG.END_STREAM) this.finish(streamId);
        break;
      case FRAME.RST_STREAM: {
        const call = this.calls.get(streamId);
        this.calls.delete(streamId);
        call?.reject(new FrameGrpcError(`stream reset (HTTP/2 error ${payload.readUInt32BE(0)})`));
        break;
      }
      case FRAME.SETTINGS:
        if (!(flags & FLAG.ACK)) this.socket.write(frameHeader(0, FRAME.SETTINGS, FLAG.ACK, 0));
        break;
      case FRAME.PING:
        if (!(flags & FLAG.ACK))
          this.socket.write(Buffer.concat([frameHeader(8, FRAME.PING, FLAG.ACK, 0), payload]));
        break;
      case FRAME.WINDOW_UPDATE:
        if (streamId === 0) {
          this.sendWindow += payload.readUInt32BE(0) & 0x7fffffff;
          this.flushQueued();
        }
        break;
      case FRAME.GOAWAY:
        this.failAll(new FrameGrpcError(`the server sent GOAWAY (HTTP/2 error ${payload.readUInt32BE(4)})`));
        break;
    }
  }

  private flushQueued(): void {
    while (this.queued.length && this.queued[0]!.dataLength <= this.sendWindow) {
      const next = this.queued.shift()!;
      this.write(next.bytes, next.dataLength);
    }
  }

  /** The stream ended: success when a gRPC message came before its end (see the header comment). */
  private finish(streamId: number): void {
    const call = this.calls.get(streamId);
    if (!call) return;
    this.calls.delete(streamId);
    const data = call.data;
    if (!data || data.length < 5) {
      call.reject(new FrameGrpcError('the call failed (trailers-only answer; status not decoded)'));
      return;
    }
    call.resolve(data.subarray(5, 5 + data.readUInt32BE(1)));
  }

  private failAll(e: Error): void {
    for (const call of this.calls.values()) call.reject(e);
    this.calls.clear();
  }
}
