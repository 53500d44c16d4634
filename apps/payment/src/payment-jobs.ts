import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Janitor } from './jobs/janitor';
import { ReconciliationScheduler } from './jobs/reconciliation-scheduler';
import { WebhookInboxWorker } from './jobs/webhook-inbox.worker';
import { PAYMENT_OPTIONS, type PaymentRunOptions } from './payment-options';

/**
 * What runs in the background of the service: the webhook inbox worker, the janitor (abandoned and unanswered
 * payments and refunds, idempotency pruning) and the daily reconciliation. Started once the app is up; on
 * shutdown stopped in reverse. The counterparty connections close later, in CounterpartyConnections'
 * onApplicationShutdown: here, before Nest closes the HTTP server, a request still in flight may need them.
 */
@Injectable()
export class PaymentJobs implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(PAYMENT_OPTIONS) private readonly options: PaymentRunOptions,
    private readonly worker: WebhookInboxWorker,
    private readonly janitor: Janitor,
    private readonly scheduler: ReconciliationScheduler,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.background === false) return;
    await this.worker.start();
    this.janitor.start();
    // Not awaited: a scheduled run taken up again at start may last minutes.
    void this.scheduler.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.scheduler.stop();
    await this.janitor.stop();
    await this.worker.stop();
  }
}
