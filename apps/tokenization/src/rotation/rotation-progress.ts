import { type Gauge, type Logger, type Metrics } from '@wxpay/observability';
import { type DataSource } from 'typeorm';
import { type KeyRing } from '../keys/key-ring';
import { countWrappedByVersion, fingerprintsByVersion } from '../persistence/key-registry';

/** While records are left to move: often enough to watch a rotation, seldom enough for a large vault's counts. */
const WHILE_ROTATING_MS = 60_000;
/** Once nothing is left (only an instance with older settings writes under an old version then). */
const AT_REST_MS = 600_000;

export type RotatedKey = 'kek' | 'fingerprint';

/**
 * `tokenization_rotation_remaining{key}` and `tokenization_rotation_done{key}`: records still under an older
 * key version and records under the current one, for the KEK re-wrap (data keys, `card.kek_version`) and the
 * fingerprint move (`card_fingerprint.key_version`). Counted in the database, so every instance reports the whole
 * vault whoever moves the records; a count is a scan, hence the slow cadence and the slower one at rest.
 * Fingerprints under a newer version (mid-rollout) are in neither figure: this instance does not move them.
 */
export class RotationProgress {
  private readonly remaining: Gauge<'key'>;
  private readonly done: Gauge<'key'>;
  private timer?: NodeJS.Timeout;
  private counting?: Promise<unknown>;
  private stopped = true;

  constructor(
    private readonly dataSource: DataSource,
    private readonly ring: KeyRing,
    metrics: Metrics,
    private readonly logger: Logger,
  ) {
    this.remaining = metrics.gauge({
      name: 'tokenization_rotation_remaining',
      help: 'Records still under an older key version (kek: data keys to re-wrap; fingerprint: fingerprints to move)',
      labelNames: ['key'],
    });
    this.done = metrics.gauge({
      name: 'tokenization_rotation_done',
      help: 'Records under the current key version (kek: data keys; fingerprint: fingerprints)',
      labelNames: ['key'],
    });
  }

  /** Counts once; answers the records left in all. */
  async refresh(): Promise<number> {
    const manager = this.dataSource.manager;
    const kek = split(await countWrappedByVersion(manager), (v) => v === this.ring.currentVersion);
    const current = this.ring.currentFingerprintVersion;
    const fingerprints = await fingerprintsByVersion(manager);
    const fp = split(new Map([...fingerprints].filter(([v]) => v <= current)), (v) => v === current);
    this.set('kek', kek);
    this.set('fingerprint', fp);
    return kek.remaining + fp.remaining;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.counting;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const counting = this.refresh().then(
        (left) => (left > 0 ? WHILE_ROTATING_MS : AT_REST_MS),
        (e: unknown) => {
          this.logger.warn(
            { error: e instanceof Error ? e.message : String(e) },
            'rotation progress not counted',
          );
          return WHILE_ROTATING_MS;
        },
      );
      this.counting = counting;
      void counting.then((next) => this.schedule(next));
    }, delayMs);
    this.timer.unref();
  }

  private set(key: RotatedKey, figures: { remaining: number; done: number }): void {
    this.remaining.set({ key }, figures.remaining);
    this.done.set({ key }, figures.done);
  }
}

function split(byVersion: Map<number, number>, isCurrent: (version: number) => boolean) {
  let remaining = 0;
  let done = 0;
  for (const [version, n] of byVersion) {
    if (isCurrent(version)) done += n;
    else remaining += n;
  }
  return { remaining, done };
}
