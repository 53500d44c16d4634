import { connect, type TLSSocket } from 'node:tls';
import { type Sm2PrivateKey, type Sm2PublicKey } from '@wxpay/gm-crypto';
import {
  CUPS_HEADER_LENGTH,
  cupsHeader,
  decodeBody,
  decodeHeader,
  decodeKeyBlock,
  encodeFrame,
  FrameReader,
  IsoMessage,
  NetworkCode,
  networkRequest,
  newNonce,
  signOnRequestField,
  transmissionDateTime,
  verifySignOnResponse,
  type WorkingKeys,
} from '@wxpay/unionpay';

export interface RawAnswer {
  rejectCode: string;
  /** The body as received (a rejected message comes back as it was sent). */
  body: Buffer;
  message: IsoMessage;
}

function decodeLeniently(body: Buffer): IsoMessage {
  try {
    return decodeBody(body);
  } catch {
    return new IsoMessage(body.toString('latin1', 0, 4));
  }
}

/**
 * A bare acquirer for tests that must send what the real client never would (a bad MAC, a repeated STAN, a
 * malformed body): TLS, framing, SM2 sign-on and key exchange, then one message at a time.
 */
export class RawAcquirer {
  readonly #reader = new FrameReader();
  #waiting?: (a: RawAnswer) => void;
  keys?: WorkingKeys;
  #stan = 900000;

  private constructor(
    private readonly socket: TLSSocket,
    private readonly switchId: string,
    private readonly acquirerId: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.#reader.push(chunk)) {
        const body = frame.subarray(CUPS_HEADER_LENGTH);
        const answer = { rejectCode: decodeHeader(frame).rejectCode, body, message: decodeLeniently(body) };
        const w = this.#waiting;
        this.#waiting = undefined;
        w?.(answer);
      }
    });
  }

  static async connect(o: {
    port: number;
    tls: { ca: Buffer; cert: Buffer; key: Buffer };
    switchId: string;
    acquirerId: string;
  }): Promise<RawAcquirer> {
    const socket = await new Promise<TLSSocket>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: o.port, ...o.tls, minVersion: 'TLSv1.3' });
      s.once('secureConnect', () => resolve(s));
      s.once('error', reject);
    });
    return new RawAcquirer(socket, o.switchId, o.acquirerId);
  }

  nextStan(): string {
    return String(++this.#stan).padStart(6, '0');
  }

  /** Sends one message and waits for the next answer. */
  exchange(message: IsoMessage): Promise<RawAnswer> {
    return this.exchangeRaw(encodeFrame(cupsHeader(this.switchId, this.acquirerId), message));
  }

  exchangeRaw(frame: Buffer): Promise<RawAnswer> {
    return new Promise((resolve) => {
      this.#waiting = resolve;
      this.socket.write(frame);
    });
  }

  /** A signed 0820/001 as the client sends it (transmitted `at`), with what verifying its answer needs. */
  signOnRequest(acquirerKey: Sm2PrivateKey, at = new Date()) {
    const stan = this.nextStan();
    const f7 = transmissionDateTime(at);
    const ctx = { transmissionDateTime: f7, stan, acquirerId: this.acquirerId };
    const nonce = newNonce();
    const message = networkRequest({
      code: NetworkCode.SIGN_ON,
      stan,
      transmissionDateTime: f7,
      acquirerId: this.acquirerId,
      forwardingId: this.acquirerId,
      additionalData: signOnRequestField(ctx, nonce, acquirerKey),
    });
    return { message, ctx, nonce };
  }

  async signOnAndGetKeys(
    acquirerKey: Sm2PrivateKey,
    switchKey: Sm2PublicKey,
    zoneKey: Buffer,
  ): Promise<WorkingKeys> {
    const { message, ctx, nonce } = this.signOnRequest(acquirerKey);
    const signOn = await this.exchange(message);
    if (signOn.message.text(39) !== '00') throw new Error(`sign-on answered ${signOn.message.text(39)}`);
    verifySignOnResponse(ctx, nonce, signOn.message.text(48), switchKey, this.switchId);
    const reset = await this.exchange(
      networkRequest({
        code: NetworkCode.KEY_RESET,
        stan: this.nextStan(),
        transmissionDateTime: transmissionDateTime(new Date()),
        acquirerId: this.acquirerId,
        forwardingId: this.acquirerId,
        additionalData: 'KR01',
      }),
    );
    this.keys = decodeKeyBlock(zoneKey, reset.message.requireText(48));
    return this.keys;
  }

  close(): void {
    this.socket.destroy();
  }
}
