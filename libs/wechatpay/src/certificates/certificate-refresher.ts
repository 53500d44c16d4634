import { systemClock, type Clock } from '../verification/clock';
import { type WechatPayKeyStore } from '../verification/key-store';
import { type PlatformCertificate } from './certificate-download';

export interface RefreshResult {
  readonly added: readonly string[];
  readonly expired: readonly string[];
}

export interface CertificateRefresherOptions {
  readonly download: () => Promise<PlatformCertificate[]>;
  readonly keyStore: WechatPayKeyStore;
  readonly clock?: Clock;
  /** Periodic refresh; WeChat lists a new certificate 24 h before using it. Java SDK: 60 min, Go SDK: 24 h. */
  readonly intervalMs?: number;
  /** Minimum gap between refreshes triggered by unknown serials: each is a call to WeChat, never per request. */
  readonly minOnDemandGapMs?: number;
  readonly onError?: (error: unknown) => void;
  readonly onRefreshed?: (result: RefreshResult) => void;
}

/**
 * Keeps the platform certificates current: adds what `/v3/certificates` lists, keeps older certificates until
 * they expire (a rotation overlaps two), and offers a rate-limited refresh for unknown serials, shared by all
 * callers that ask at the same time.
 */
export class PlatformCertificateRefresher {
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly minGapMs: number;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<RefreshResult> | undefined;
  private lastOnDemand = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: CertificateRefresherOptions) {
    this.clock = options.clock ?? systemClock;
    this.intervalMs = options.intervalMs ?? 60 * 60 * 1000;
    this.minGapMs = options.minOnDemandGapMs ?? 60_000;
  }

  /** Starts the periodic refresh; the timer does not keep the process alive. Call `refreshNow()` at boot. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.refreshNow().catch((e: unknown) => this.options.onError?.(e));
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  refreshNow(): Promise<RefreshResult> {
    this.inFlight ??= this.refresh().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** For `onUnknownSerial`: true when the serial is known afterwards. At most one download per gap. */
  async refreshForUnknownSerial(serial: string): Promise<boolean> {
    const now = this.clock();
    if (!this.inFlight) {
      if (now - this.lastOnDemand < this.minGapMs) return this.options.keyStore.has(serial);
      this.lastOnDemand = now;
    }
    try {
      await this.refreshNow();
    } catch (e) {
      this.options.onError?.(e);
      return false;
    }
    return this.options.keyStore.has(serial);
  }

  private async refresh(): Promise<RefreshResult> {
    const downloaded = await this.options.download();
    const store = this.options.keyStore;
    const added: string[] = [];
    for (const c of downloaded) {
      if (!store.has(c.serial)) added.push(c.serial);
      store.addPlatformCertificate(c.certificate);
    }
    const result = { added, expired: store.pruneExpired(this.clock()) };
    this.options.onRefreshed?.(result);
    return result;
  }
}
