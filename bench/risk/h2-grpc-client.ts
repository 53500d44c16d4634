/**
 * A minimal gRPC unary client for the load generator: HTTP/2 from Node's core over mutual TLS, requests encoded
 * before the run, one stream per call, success = `grpc-status: 0` in the trailers. It speaks the same protocol to
 * the same grpc-js server as a grpc-js client would, with a fraction of the client's CPU and garbage (grpc-js wraps
 * each call in resolving, load-balancing, retrying and interceptor layers), so less of the measured tail is the
 * generator's own. BENCH_RISK_CLIENT=grpc-js measures with the library client instead.
 */
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from 'http2';

const { HTTP2_HEADER_METHOD, HTTP2_HEADER_PATH, HTTP2_HEADER_CONTENT_TYPE, HTTP2_HEADER_TE } = constants;

export interface H2Tls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  /** A name in the server certificate (the generator connects to an IP address). */
  servername: string;
}

export class GrpcStatusError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
  ) {
    super(`${code} ${details}`);
  }
}

/** A length-prefixed gRPC message (uncompressed). */
export function grpcFrame(message: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

export class H2GrpcClient {
  private readonly session: ClientHttp2Session;
  private readonly ready: Promise<void>;

  constructor(address: string, tls: H2Tls) {
    this.session = connect(`https://${address}`, {
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      servername: tls.servername,
    });
    this.ready = new Promise((resolve, reject) => {
      this.session.once('connect', () => resolve());
      this.session.once('error', reject);
    });
  }

  connected(): Promise<void> {
    return this.ready;
  }

  /** Sends one framed request; resolves with the response message bytes (without the gRPC prefix). */
  unary(path: string, frame: Buffer, deadlineMs: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const stream = this.session.request(
        {
          [HTTP2_HEADER_METHOD]: 'POST',
          [HTTP2_HEADER_PATH]: path,
          [HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
          [HTTP2_HEADER_TE]: 'trailers',
          'grpc-timeout': `${deadlineMs}m`,
        },
        { endStream: false },
      );
      const chunks: Buffer[] = [];
      let trailers: IncomingHttpHeaders | undefined;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      // A trailers-only answer (an error before any message) arrives as the response headers.
      stream.on('response', (headers) => {
        if (headers['grpc-status'] !== undefined) trailers = headers;
      });
      stream.on('trailers', (t) => (trailers = t));
      stream.on('error', reject);
      stream.on('close', () => {
        const code = Number(trailers?.['grpc-status'] ?? 2);
        if (code !== 0) {
          const details = decodeURIComponent(String(trailers?.['grpc-message'] ?? 'no status'));
          reject(new GrpcStatusError(code, details));
          return;
        }
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        resolve(body.subarray(5, 5 + body.readUInt32BE(1)));
      });
      stream.end(frame);
    });
  }

  close(): void {
    this.session.close();
  }
}
