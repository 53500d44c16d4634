import { type Logger } from '@wxpay/observability';
import { businessDateOf } from '../domain/ledger-accounts';
import { type ReconciliationService } from '../use-cases/reconciliation.service';

const BEIJING_OFFSET_MS = 8 * 3600_000;

/** The next instant at HH:MM Asia/Shanghai strictly after `now`. */
export function nextRunAt(at: string, now: Date): Date {
  const [h, m] = at.split(':').map(Number) as [number, number];
  const local = new Date(now.getTime() + BEIJING_OFFSET_MS);
  const candidate =
    Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), h, m) - BEIJING_OFFSET_MS;
  return new Date(candidate > now.getTime() ? candidate : candidate + 86_400_000);
}

/** The business day before the one `instant` falls in. */
export function previousBusinessDate(instant: Date): string {
  return businessDateOf(new Date(instant.getTime() - 86_400_000));
}

/** Runs yesterday's reconciliation every day at the configured Beijing time. */
export class ReconciliationScheduler {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly service: ReconciliationService,
    private readonly at: string,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.at === 'off') return;
    const arm = () => {
      const when = nextRunAt(this.at, new Date());
      this.timer = setTimeout(() => {
        const date = previousBusinessDate(new Date());
        this.service
          .run(date)
          .catch((e: unknown) =>
            this.logger.error(
              { date, error: e instanceof Error ? e.message : String(e) },
              'reconciliation failed',
            ),
          )
          .finally(arm);
      }, when.getTime() - Date.now());
      this.timer.unref();
    };
    arm();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
