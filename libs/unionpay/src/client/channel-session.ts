import { connect, type TLSSocket } from 'node:tls';
import { type Logger } from '@wxpay/observability';
import { CUPS_HEADER_LENGTH, cupsHeader, decodeHeader } from '../codec/cups-header';
import { FrameReader } from '../codec/framing';
import { type IsoMessage } from '../codec/iso-message';
import { decodeBody, encodeFrame } from '../codec/message-codec';
import { UnionPaySecurityError } from '../errors/unionpay-errors';
import { transmissionDateTime } from '../profile/beijing-time';
import { NetworkCode } from '../profile/message-types';
import { networkRequest } from '../profile/messages';
import { newNonce, signOnRequestField, verifySignOnResponse } from '../security/sign-on';
import { ECHO_KEY_TAG } from '../security/working-keys';
import { type ResolvedOptions } from './channel-options';
import { ExchangeError } from './exchange-error';
import { FrameWriter } from './frame-writer';
import { requestMatchKey, responseMatchKey } from './match-key';
import { RecentOutcomes, type RecentOutcome } from './recent-outcomes';

interface Pending {
  resolve(m: IsoMessage): void;
  reject(e: ExchangeError): void;
  timer: NodeJS.Timeout;
}

export interface SessionHooks {
  nextStan(): Promise<string>;
  /**
   * A well-formed response no request on this connection waits for. `known` says how the request it answers
   * ended on this connection (answered: a duplicate; timed-out: a late answer), when still remembered.
   */
  onUnmatched(response: IsoMessage, known: RecentOutcome | undefined): void;
  onClosed(session: ChannelSession): void;
  /** The switch's current MAC key check value, as announced in an echo answer. */
  onSwitchKeyCheck(kcv: string): void;
}

let sessionCounter = 0;

/**
 * One TLS connection to the switch: framing, coalesced writes, pipelined requests matched to their responses,
 * SM2 sign-on and echo heartbeats. It never retries: the pool reconnects and the client reverses.
 */
export class ChannelSession {
  readonly id = ++sessionCounter;
  /** KCV of the MAC key the switch holds for us, from the sign-on answer. */
  switchMacKcv = '';
  readonly #reader = new FrameReader();
  readonly #writer: FrameWriter;
  readonly #pending = new Map<string, Pending>();
  /** Keys of requests concluded on this connection, so a second or late answer is recognised at once. */
  readonly #concluded = new RecentOutcomes(20_000);
  #closed = false;
  #lastActivity = Date.now();
  #heartbeat?: NodeJS.Timeout;

  private constructor(
    private readonly socket: TLSSocket,
    private readonly options: ResolvedOptions,
    private readonly hooks: SessionHooks,
    private readonly logger: Logger,
  ) {
    this.#writer = new FrameWriter(socket);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('close', () => this.#onClose());
    socket.on('error', (e) =>
      this.logger.warn({ session: this.id, err: e.message }, 'unionpay connection error'),
    );
  }

  /** Connects (TLS 1.3, mutual auth), signs on, and starts heartbeats. */
  static async open(options: ResolvedOptions, hooks: SessionHooks, logger: Logger): Promise<ChannelSession> {
    const socket = await new Promise<TLSSocket>((resolve, reject) => {
      const s = connect({
        host: options.host,
        port: options.port,
        ca: options.tls.ca,
        cert: options.tls.cert,
        key: options.tls.key,
        servername: options.tls.servername,
        minVersion: 'TLSv1.3',
      });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new ExchangeError('not-sent', 'TLS connect timed out'));
      }, options.connectTimeoutMs);
      s.once('secureConnect', () => {
        clearTimeout(timer);
        s.setNoDelay(true);
        resolve(s);
      });
      s.once('error', (e) => {
        clearTimeout(timer);
        s.destroy();
        reject(new ExchangeError('not-sent', `TLS connect failed: ${e.message}`));
      });
    });
    const session = new ChannelSession(socket, options, hooks, logger);
    try {
      await session.#signOn();
    } catch (e) {
      session.close();
      throw e;
    }
    session.#startHeartbeat();
    return session;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  /** Sends a (MACed) request and resolves with the matching response. */
  exchange(request: IsoMessage, timeoutMs: number): Promise<IsoMessage> {
    if (this.#closed) return Promise.reject(new ExchangeError('not-sent', 'connection is closed'));
    const key = requestMatchKey(request);
    if (this.#pending.has(key)) {
      return Promise.reject(new ExchangeError('not-sent', 'a request with the same STAN/RRN is in flight'));
    }
    let frame: Buffer;
    try {
      frame = encodeFrame(cupsHeader(this.options.switchId, this.options.originator.acquirerId), request);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<IsoMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(key);
        this.#concluded.set(key, 'timed-out');
        reject(new ExchangeError('timeout', 'no answer within the timeout'));
      }, timeoutMs);
      this.#pending.set(key, { resolve, reject, timer });
      this.#lastActivity = Date.now();
      this.#writer.write(frame);
    });
  }

  close(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.socket.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#lastActivity = Date.now();
    let frames: Buffer[];
    try {
      frames = this.#reader.push(chunk);
    } catch (e) {
      this.logger.error(
        { session: this.id, err: (e as Error).message },
        'unionpay stream unsynchronised; closing',
      );
      this.close();
      return;
    }
    for (const frame of frames) this.#onFrame(frame);
  }

  #onFrame(frame: Buffer): void {
    let message: IsoMessage;
    let rejectCode: string;
    try {
      rejectCode = decodeHeader(frame).rejectCode;
      message = decodeBody(frame.subarray(CUPS_HEADER_LENGTH));
    } catch (e) {
      this.logger.error(
        { session: this.id, err: (e as Error).message },
        'undecodable message from the switch',
      );
      return;
    }
    if (rejectCode !== '00000') {
      // The switch echoes the body of a message it could not process, with the reason in the header.
      const pending = this.#take(requestMatchKey(message));
      if (pending)
        pending.reject(new ExchangeError('rejected', 'the switch rejected the message', rejectCode));
      else
        this.logger.warn({ session: this.id, rejectCode }, 'switch rejected a message no request waits for');
      return;
    }
    const key = responseMatchKey(message);
    const pending = this.#take(key);
    if (pending) {
      this.#concluded.set(key, 'answered');
      pending.resolve(message);
    } else {
      this.hooks.onUnmatched(message, this.#concluded.get(key));
    }
  }

  #take(key: string): Pending | undefined {
    const p = this.#pending.get(key);
    if (!p) return undefined;
    this.#pending.delete(key);
    clearTimeout(p.timer);
    return p;
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new ExchangeError('connection-lost', 'connection closed before the answer'));
    }
    this.#pending.clear();
    this.hooks.onClosed(this);
  }

  async #signOn(): Promise<void> {
    const { originator, keys, switchId } = this.options;
    const stan = await this.hooks.nextStan();
    const f7 = transmissionDateTime(new Date());
    const ctx = { transmissionDateTime: f7, stan, acquirerId: originator.acquirerId };
    const nonce = newNonce();
    const request = networkRequest({
      code: NetworkCode.SIGN_ON,
      stan,
      transmissionDateTime: f7,
      acquirerId: originator.acquirerId,
      forwardingId: originator.forwardingId,
      additionalData: signOnRequestField(ctx, nonce, keys.acquirerPrivateKey),
    });
    const response = await this.exchange(request, this.options.connectTimeoutMs);
    const code = response.text(39);
    if (code !== '00') {
      throw new UnionPaySecurityError(
        'SIGN_ON_REJECTED',
        `sign-on answered with response code ${code ?? 'none'}`,
      );
    }
    this.switchMacKcv = verifySignOnResponse(ctx, nonce, response.text(48), keys.switchPublicKey, switchId);
  }

  #startHeartbeat(): void {
    const interval = this.options.heartbeatIntervalMs;
    if (interval <= 0) return;
    this.#heartbeat = setInterval(
      () => void this.#maybeEcho(interval),
      Math.max(50, Math.floor(interval / 2)),
    );
    this.#heartbeat.unref();
  }

  async #maybeEcho(interval: number): Promise<void> {
    if (this.#closed || Date.now() - this.#lastActivity < interval) return;
    try {
      const stan = await this.hooks.nextStan();
      const request = networkRequest({
        code: NetworkCode.ECHO,
        stan,
        transmissionDateTime: transmissionDateTime(new Date()),
        acquirerId: this.options.originator.acquirerId,
        forwardingId: this.options.originator.forwardingId,
      });
      const response = await this.exchange(request, Math.min(this.options.requestTimeoutMs, 5_000));
      if (response.text(39) !== '00')
        throw new Error(`echo answered ${response.text(39) ?? 'without a code'}`);
      const f48 = response.text(48);
      if (f48?.startsWith(ECHO_KEY_TAG)) this.hooks.onSwitchKeyCheck(f48.slice(ECHO_KEY_TAG.length));
    } catch (e) {
      if (this.#closed) return;
      this.logger.warn(
        { session: this.id, err: (e as Error).message },
        'unionpay echo test failed; reconnecting',
      );
      this.close();
    }
  }
}
