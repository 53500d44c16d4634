import { type Logger } from '@wxpay/observability';
import { type DataSource } from 'typeorm';
import { type IdempotencyStore } from '@wxpay/persistence';
import { type PaymentDriver } from '../use-cases/lifecycle/payment-driver';
import { type RefundDriver } from '../use-cases/lifecycle/refund-driver';
import { type PaymentRepository } from '../persistence/payment.repository';
import { type RefundRepository } from '../persistence/refund.repository';

export interface JanitorOptions {
  intervalMs: number;
  batchSize?: number;
  concurrency?: number;
  idempotencyRetentionHours: number;
}

/**
 * Finishes what nobody is finishing: payments and refunds whose actor died or whose counterparty did not answer
 * (unknown outcomes are resolved by asking the counterparty first, inside the drivers), payments waiting for a
 * payer past their poll time (order query, expiry → close and release). Any number of replicas may run it: each
 * payment is driven under its lease.
 */
export class Janitor {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private lastPrune = 0;

  constructor(
    private readonly ds: DataSource,
    private readonly payments: PaymentRepository,
    private readonly refunds: RefundRepository,
    private readonly driver: PaymentDriver,
    private readonly refundDriver: RefundDriver,
    private readonly idempotency: IdempotencyStore,
    private readonly logger: Logger,
    private readonly o: JanitorOptions,
  ) {}

  start(): void {
    const loop = () => {
      this.running = this.tick()
        .then(() => undefined)
        .catch((e: unknown) =>
          this.logger.error({ error: e instanceof Error ? e.message : String(e) }, 'janitor round failed'),
        )
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(loop, this.o.intervalMs);
        });
    };
    this.timer = setTimeout(loop, this.o.intervalMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round; returns how many payments and refunds it looked at. */
  async tick(): Promise<number> {
    const batch = this.o.batchSize ?? 50;
    const [paymentIds, refundIds] = await Promise.all([
      this.payments.due(this.ds, batch),
      this.refunds.due(this.ds, batch),
    ]);
    await this.each(paymentIds, (id) => this.driver.advance(id, 'janitor'));
    await this.each(refundIds, (id) => this.refundDriver.advance(id, 'janitor'));
    if (Date.now() - this.lastPrune > 3600_000) {
      this.lastPrune = Date.now();
      const pruned = await this.idempotency.prune(this.ds, this.o.idempotencyRetentionHours * 3600_000);
      if (pruned) this.logger.info({ pruned }, 'old idempotency records pruned');
    }
    return paymentIds.length + refundIds.length;
  }

  private async each(ids: string[], work: (id: string) => Promise<unknown>): Promise<void> {
    const queue = [...ids];
    const lanes = Array.from({ length: Math.min(this.o.concurrency ?? 4, queue.length) }, async () => {
      for (let id = queue.shift(); id; id = queue.shift()) {
        try {
          await work(id);
        } catch (e) {
          this.logger.warn(
            { id, error: e instanceof Error ? e.message : String(e) },
            'janitor could not advance',
          );
        }
      }
    });
    await Promise.all(lanes);
  }
}
