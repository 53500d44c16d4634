import { type Logger } from '@wxpay/observability';
import { type IsoMessage } from '../codec/iso-message';
import { UnionPaySecurityError } from '../errors/unionpay-errors';
import { transmissionDateTime } from '../profile/beijing-time';
import { NetworkCode } from '../profile/message-types';
import { networkRequest } from '../profile/messages';
import { verifyMac } from '../security/mac';
import { keyGenerationOf } from '../security/security-control';
import { decodeKeyBlock, keyCheckValue } from '../security/working-keys';
import { type ResolvedOptions } from './channel-options';
import { ChannelSession } from './channel-session';
import { KeyRing } from './key-ring';
import { type RecentOutcome } from './recent-outcomes';

export interface PoolHooks {
  nextStan(): Promise<string>;
  onUnmatched(response: IsoMessage, known: RecentOutcome | undefined): void;
}

/** Minimum gap between two key resynchronisations triggered by A0 answers. */
const RESYNC_MIN_GAP_MS = 1_000;

/**
 * Keeps `connections` signed-on TLS sessions, reconnecting each with exponential backoff (and jitter), and
 * owns the working keys they share: exchanged when the switch holds none (or others) for us, and again when
 * it answers A0.
 */
export class ChannelPool {
  readonly keyRing = new KeyRing();
  readonly #ready: ChannelSession[] = [];
  readonly #all = new Set<ChannelSession>();
  readonly #loops: Promise<void>[] = [];
  readonly #sleepers = new Set<() => void>();
  #closing = false;
  #next = 0;
  #keyExchange?: Promise<void>;
  #lastResync = 0;
  #readyWaiters: (() => void)[] = [];

  constructor(
    private readonly options: ResolvedOptions,
    private readonly hooks: PoolHooks,
    private readonly logger: Logger,
  ) {}

  start(): void {
    for (let i = 0; i < this.options.connections; i++) this.#loops.push(this.#maintain(i));
  }

  /** A signed-on session with working keys, round robin; undefined when the channel is down. */
  pick(): ChannelSession | undefined {
    if (!this.keyRing.current) return undefined;
    for (let tries = 0; tries < this.#ready.length; tries++) {
      const s = this.#ready[this.#next++ % this.#ready.length];
      if (!s.closed) return s;
    }
    return undefined;
  }

  get readyConnections(): number {
    return this.#ready.filter((s) => !s.closed).length;
  }

  /** Resolves true once a session is ready, false after `timeoutMs`. */
  waitReady(timeoutMs: number): Promise<boolean> {
    if (this.pick()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#readyWaiters = this.#readyWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#readyWaiters.push(done);
    });
  }

  /** After an A0 answer or a key rotation: fetch the switch's current working keys (at most once per second). */
  requestKeyResync(): void {
    if (this.#keyExchange || Date.now() - this.#lastResync < RESYNC_MIN_GAP_MS) return;
    const session = this.#ready.find((s) => !s.closed);
    if (!session) return;
    this.#lastResync = Date.now();
    this.#exchangeKeys(session).catch((e: unknown) =>
      this.logger.warn({ err: (e as Error).message }, 'unionpay key resynchronisation failed'),
    );
  }

  #onSwitchKeyCheck(kcv: string): void {
    const current = this.keyRing.current;
    if (current && keyCheckValue(current.macKey) === kcv) return;
    this.logger.info({ switchMacKcv: kcv }, 'the switch holds other working keys; fetching them');
    this.requestKeyResync();
  }

  async close(): Promise<void> {
    this.#closing = true;
    for (const wake of this.#sleepers) wake();
    for (const s of this.#all) s.close();
    await Promise.all(this.#loops);
  }

  async #maintain(index: number): Promise<void> {
    let delay = this.options.reconnect.initialDelayMs;
    while (!this.#closing) {
      let markClosed!: () => void;
      const closed = new Promise<void>((r) => (markClosed = r));
      try {
        const session = await ChannelSession.open(
          this.options,
          {
            nextStan: this.hooks.nextStan,
            onUnmatched: this.hooks.onUnmatched,
            onClosed: () => markClosed(),
            onSwitchKeyCheck: (kcv) => this.#onSwitchKeyCheck(kcv),
          },
          this.logger,
        );
        this.#all.add(session);
        if (this.#closing) {
          session.close();
          break;
        }
        try {
          await this.#ensureKeys(session);
        } catch (e) {
          session.close();
          this.#all.delete(session);
          throw e;
        }
        this.#ready.push(session);
        delay = this.options.reconnect.initialDelayMs;
        this.logger.info(
          { connection: index, session: session.id },
          'unionpay channel connected and signed on',
        );
        for (const w of this.#readyWaiters.splice(0)) w();
        await closed;
        const at = this.#ready.indexOf(session);
        if (at >= 0) this.#ready.splice(at, 1);
        this.#all.delete(session);
        if (!this.#closing)
          this.logger.warn({ connection: index, session: session.id }, 'unionpay connection lost');
      } catch (e) {
        if (!this.#closing) {
          this.logger.warn(
            { connection: index, err: (e as Error).message },
            'unionpay connection attempt failed',
          );
        }
      }
      if (this.#closing) break;
      await this.#sleep(delay + Math.floor(Math.random() * delay * 0.2));
      delay = Math.min(delay * 2, this.options.reconnect.maxDelayMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleepers.add(wake);
    });
  }

  async #ensureKeys(session: ChannelSession): Promise<void> {
    if (this.#keyExchange) await this.#keyExchange.catch(() => undefined);
    const current = this.keyRing.current;
    if (current && keyCheckValue(current.macKey) === session.switchMacKcv) return;
    await this.#exchangeKeys(session);
  }

  #exchangeKeys(session: ChannelSession): Promise<void> {
    this.#keyExchange ??= this.#doExchange(session).finally(() => (this.#keyExchange = undefined));
    return this.#keyExchange;
  }

  /** 0820/101 → 0830 with the PIN/MAC/data keys under the zone key; the answer is MACed with that MAC key. */
  async #doExchange(session: ChannelSession): Promise<void> {
    const { originator, keys } = this.options;
    const request = networkRequest({
      code: NetworkCode.KEY_RESET,
      stan: await this.hooks.nextStan(),
      transmissionDateTime: transmissionDateTime(new Date()),
      acquirerId: originator.acquirerId,
      forwardingId: originator.forwardingId,
      additionalData: 'KR01',
    });
    const response = await session.exchange(request, this.options.connectTimeoutMs);
    if (response.text(39) !== '00') {
      throw new UnionPaySecurityError(
        'SIGN_ON_REJECTED',
        `key reset answered ${response.text(39) ?? 'without a code'}`,
      );
    }
    const block = response.text(48);
    if (block === undefined)
      throw new UnionPaySecurityError('BAD_KEY_BLOCK', 'key reset answer carries no keys');
    const working = decodeKeyBlock(keys.zoneKey, block);
    if (keyGenerationOf(response.text(53)) !== working.generation) {
      throw new UnionPaySecurityError('BAD_KEY_BLOCK', 'F53 and the key block name different generations');
    }
    verifyMac(response, working.macKey);
    this.keyRing.install(working);
    this.logger.info(
      { generation: working.generation, macKcv: keyCheckValue(working.macKey) },
      'unionpay working keys installed',
    );
  }
}
