import { randomUUID } from 'node:crypto';
import { encryptResource, signAsWechatPay, SIGNTEST_PREFIX } from '@wxpay/wechatpay';
import { beijingTime } from '../domain/wechat-time';
import { FaultInjector, type SignatureFault } from '../faults/fault-injector';
import { corrupt } from '../http/wechatpay-responder';
import { KeyMaterial } from '../keys/key-material';
import { type SimLogger } from '../logging/logger';
import { SimSettings } from '../sim-settings';
import { type PendingDelivery } from '../store/sim-state';
import { StateStore } from '../store/state-store';
import { MAX_RETRIES, RETRY_DELAYS_SECONDS } from './retry-schedule';

export interface NotificationInput {
  readonly url: string;
  readonly eventType: string;
  readonly summary: string;
  readonly originalType: string;
  /** AES-GCM associated data: `transaction`, `refund`, `entrust`. */
  readonly associatedData: string;
  readonly resource: Record<string, unknown>;
}

export type DeliveryCopy = 'primary' | 'duplicate' | 'concurrent';

export interface DeliveryLogEntry {
  readonly notificationId: string;
  readonly eventType: string;
  /** 0 = first delivery, n = n-th retry. */
  readonly attempt: number;
  readonly copy: DeliveryCopy;
  readonly at: string;
  readonly serial: string;
  readonly signature: 'valid' | 'signtest' | 'bad-signature';
  readonly outcome: number | 'timeout' | 'network-error';
  readonly delivered: boolean;
  /** Scaled delay before the next retry, when one was scheduled. */
  readonly nextRetryInMs?: number;
  readonly abandoned?: boolean;
}

const LOG_LIMIT = 5000;

/**
 * Delivers notifications like WeChat Pay: compact JSON, resource encrypted with the APIv3 key, a fresh
 * timestamp, nonce and signature on every attempt, success only on 200/204 within the deadline, and the
 * documented retry schedule (time-scaled). Pending deliveries live in the store, so retries survive a restart.
 */
export class NotificationDispatcher {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly held: string[] = [];
  private readonly duplicates = new Map<string, number>();
  private readonly inFlight = new AbortController();
  private readonly entries: DeliveryLogEntry[] = [];
  private closed = false;

  constructor(
    private readonly store: StateStore,
    private readonly keys: KeyMaterial,
    private readonly faults: FaultInjector,
    private readonly settings: SimSettings,
    private readonly logger: SimLogger,
  ) {}

  /** Re-arms deliveries left pending by a previous run. */
  resume(): void {
    const pending = Object.values(this.store.state.deliveries);
    for (const d of pending) this.schedule(d.id, Math.max(0, d.next_attempt_at - Date.now()));
    if (pending.length) this.logger.info({ pending: pending.length }, 'resuming notification deliveries');
  }

  enqueue(input: NotificationInput): string {
    const d: PendingDelivery = {
      id: randomUUID(),
      url: input.url,
      event_type: input.eventType,
      summary: input.summary,
      original_type: input.originalType,
      associated_data: input.associatedData,
      create_time: beijingTime(),
      resource: JSON.stringify(input.resource),
      attempt: 0,
      next_attempt_at: Date.now(),
    };
    this.store.update((s) => {
      s.deliveries[d.id] = d;
    });
    const f = this.faults.takeNewNotificationFaults();
    if (f.duplicate) this.duplicates.set(d.id, f.duplicate);
    if (f.holdForReverse) {
      this.held.push(d.id);
      if (!this.faults.holdingForReverse()) this.releaseHeld();
      return d.id;
    }
    if (f.concurrent) void this.concurrentCopies(d, f.concurrent);
    this.schedule(d.id, f.delayMs);
    return d.id;
  }

  /** Delivers held notifications newest first, each after the previous one's first attempt. */
  releaseHeld(): void {
    const ids = this.held.splice(0).reverse();
    void (async () => {
      for (const id of ids) await this.run(id);
    })();
  }

  log(): readonly DeliveryLogEntry[] {
    return this.entries;
  }

  pendingCount(): number {
    return Object.keys(this.store.state.deliveries).length;
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.inFlight.abort();
  }

  private schedule(id: string, delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timers.get(id));
    const timer = setTimeout(() => void this.run(id), delayMs);
    timer.unref();
    this.timers.set(id, timer);
  }

  private async concurrentCopies(d: PendingDelivery, copies: number): Promise<void> {
    await Promise.all(Array.from({ length: copies }, () => this.attempt(d, 'concurrent', undefined)));
  }

  private async run(id: string): Promise<void> {
    this.timers.delete(id);
    const d = this.store.state.deliveries[id];
    if (!d || this.closed) return;
    const entry = await this.attempt(d, 'primary', this.faults.takeNotificationSignatureFault());
    if (this.closed) return;
    if (entry.delivered) {
      this.store.update((s) => {
        delete s.deliveries[id];
      });
      const extra = this.duplicates.get(id) ?? 0;
      this.duplicates.delete(id);
      for (let i = 0; i < extra && !this.closed; i++) await this.attempt(d, 'duplicate', undefined);
      return;
    }
    if (d.attempt >= MAX_RETRIES) {
      this.store.update((s) => {
        delete s.deliveries[id];
      });
      this.record({ ...entry, abandoned: true });
      this.logger.warn(
        { notificationId: id, eventType: d.event_type },
        'notification abandoned after 15 retries',
      );
      return;
    }
    const delay = this.settings.scaledMs(RETRY_DELAYS_SECONDS[d.attempt]);
    this.store.update(() => {
      d.attempt += 1;
      d.next_attempt_at = Date.now() + delay;
    });
    this.record({ ...entry, nextRetryInMs: delay });
    this.schedule(id, delay);
  }

  private async attempt(
    d: PendingDelivery,
    copy: DeliveryCopy,
    fault: SignatureFault,
  ): Promise<DeliveryLogEntry> {
    const body = Buffer.from(
      JSON.stringify({
        id: d.id,
        create_time: d.create_time,
        resource_type: 'encrypt-resource',
        event_type: d.event_type,
        summary: d.summary,
        resource: {
          original_type: d.original_type,
          ...encryptResource(d.resource, this.keys.apiV3Key, d.associated_data),
        },
      }),
    );
    const signer = this.keys.notificationSigner();
    const headers: Record<string, string> = {
      ...signAsWechatPay(signer.privateKey, signer.serial, body, Math.floor(Date.now() / 1000)),
      'Content-Type': 'application/json',
      'User-Agent': 'Mozilla/4.0',
    };
    if (fault === 'signtest')
      headers['Wechatpay-Signature'] = `${SIGNTEST_PREFIX}${headers['Wechatpay-Signature']}`;
    if (fault === 'bad-signature') headers['Wechatpay-Signature'] = corrupt(headers['Wechatpay-Signature']);
    let outcome: DeliveryLogEntry['outcome'];
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.any([
          this.inFlight.signal,
          AbortSignal.timeout(this.settings.config.notifyTimeoutMs),
        ]),
      });
      await res.arrayBuffer().catch(() => undefined);
      outcome = res.status;
    } catch (e) {
      const name = typeof e === 'object' && e !== null && 'name' in e ? String(e.name) : '';
      outcome = name === 'TimeoutError' ? 'timeout' : 'network-error';
    }
    const entry: DeliveryLogEntry = {
      notificationId: d.id,
      eventType: d.event_type,
      attempt: d.attempt,
      copy,
      at: new Date().toISOString(),
      serial: signer.serial,
      signature: fault ?? 'valid',
      outcome,
      delivered: outcome === 200 || outcome === 204,
    };
    if (copy !== 'primary' || entry.delivered) this.record(entry);
    this.logger.debug({ ...entry, url: d.url }, 'notification attempt');
    return entry;
  }

  private record(entry: DeliveryLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > LOG_LIMIT) this.entries.splice(0, this.entries.length - LOG_LIMIT);
  }
}
