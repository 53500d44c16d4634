import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { isTracing, traced } from '@wxpay/observability';
import { type Payment } from '../../domain/payment';
import { StaleStateError } from '../../persistence/stale-state.error';
import { leaseHeartbeat } from './lease-heartbeat';
import { LIFECYCLE_DEPS, type LifecycleDeps } from './lifecycle-deps';
import { type StepResult, waitForEvent } from './step-result';
import {
  abandonedAuthorizationStep,
  authorizeStep,
  reverseUnknownAuthorizationStep,
} from './steps/authorize.step';
import { cancelAwaitingPayerStep, pollAwaitingPayerStep } from './steps/awaiting-payer.step';
import { captureStep } from './steps/capture.step';
import { abandonedOrderStep, orderStep, resolveUnknownOrderStep } from './steps/order.step';
import { closeOrderStep, reverseHoldStep } from './steps/release.step';
import { riskStep } from './steps/risk.step';

/** Who is driving: the caller's request (in-flight states are its own), or the janitor (they were abandoned). */
export type DriveMode = 'request' | 'janitor';

/**
 * A lease the write that created the payment already took for this drive (`leaseOwner()`; nobody else can hold
 * the lease of a payment that did not exist), with the payment that write returned when there is one: the drive
 * starts without taking the lease again.
 */
export interface HeldLease {
  owner: string;
  payment?: Payment;
  /** When the lease was written (Date.now()). */
  since: number;
}

const MAX_STEPS = 16;

/** What the step taken from each status does, for its span's name (a status at rest has no step to trace). */
const STEP_NAMES: Partial<Record<Payment['status'], string>> = {
  CREATED: 'risk',
  RISK_APPROVED: 'authorize',
  RISK_REVIEW: 'authorize',
  AUTHORIZING: 'resolve-authorization',
  AUTH_UNKNOWN: 'reverse-unknown-authorization',
  AUTHORIZED: 'order',
  ORDERING: 'resolve-order',
  ORDER_UNKNOWN: 'resolve-order',
  AWAITING_PAYER: 'await-payer',
  CLOSING: 'close-order',
  REVERSING: 'reverse-hold',
  PAYER_PAID: 'capture',
};

/**
 * Moves a payment forward until it waits for someone else (the payer, a notification, a counterparty that did
 * not answer) or comes to rest. Only the holder of the payment's lease calls counterparties for it; every write is
 * guarded by status and version, so a concurrent writer (the webhook worker) makes a step fail as stale, and the
 * driver re-reads and carries on from what is there. The request path, the webhook worker and the janitor all
 * use this one loop.
 */
@Injectable()
export class PaymentDriver {
  private readonly owner = `driver-${randomUUID()}`;
  private drives = 0;

  constructor(@Inject(LIFECYCLE_DEPS) private readonly d: LifecycleDeps) {}

  /**
   * A lease owner for one drive, not one per process: the request path, the webhook follow-ups and the janitor
   * of one process share this driver, and must not take a payment from each other while one of them drives it.
   */
  leaseOwner(): string {
    return `${this.owner}-${++this.drives}`;
  }

  async advance(paymentId: string, mode: DriveMode, held?: HeldLease): Promise<Payment | undefined> {
    const owner = held?.owner ?? this.leaseOwner();
    // A lease written moments ago is surely still ours; an older one is taken again, which also tells whether
    // another actor took the payment once it ran out.
    const fresh = held?.payment && Date.now() - held.since < this.d.settings.leaseMs / 3;
    const claimed = fresh
      ? held.payment
      : await this.d.payments.claimLease(this.d.ds, paymentId, owner, this.d.settings.leaseMs, () =>
          this.d.metrics.leaseTakeovers.inc({ resource: 'payment' }),
        );
    if (!claimed) return this.d.payments.find(this.d.ds, paymentId);
    if (!isTracing()) return this.drive(claimed, owner, mode);
    return traced(
      'payment drive',
      {
        resume: claimed.traceparent,
        attributes: { 'wxpay.payment.id': paymentId, 'wxpay.drive.mode': mode },
      },
      () => this.drive(claimed, owner, mode),
    );
  }

  private async drive(claimed: Payment, owner: string, mode: DriveMode): Promise<Payment | undefined> {
    const paymentId = claimed.id;
    let p = claimed;
    let released: Payment | undefined;
    const stopHeartbeat = leaseHeartbeat(this.d.settings.leaseMs, () =>
      this.d.payments.claimLease(this.d.ds, paymentId, owner, this.d.settings.leaseMs),
    );
    try {
      for (let i = 0; i < MAX_STEPS; i++) {
        let result: StepResult;
        try {
          result = await this.step(p, mode);
        } catch (e) {
          if (!(e instanceof StaleStateError)) throw e;
          p = (await this.d.payments.find(this.d.ds, paymentId))!;
          continue;
        }
        if (result.kind === 'wait') break;
        if (result.kind === 'retry-later') {
          await this.d.payments.postpone(this.d.ds, paymentId, result.delayMs);
          this.d.logger.debug({ paymentId, status: p.status, why: result.why }, 'payment postponed');
          break;
        }
        p = result.payment;
      }
    } finally {
      stopHeartbeat();
      // The release answers the payment as it is now: no further read.
      released = await this.d.payments.releaseLease(this.d.ds, paymentId, owner).catch(() => undefined);
    }
    return released ?? this.d.payments.find(this.d.ds, paymentId);
  }

  /** One step, as a span named after what it does (`payment capture`). */
  private step(p: Payment, mode: DriveMode): Promise<StepResult> {
    const name = isTracing() ? STEP_NAMES[p.status] : undefined;
    if (!name) return this.stepOf(p, mode);
    return traced(`payment ${name}`, { attributes: { 'wxpay.payment.status': p.status } }, () =>
      this.stepOf(p, mode),
    );
  }

  private stepOf(p: Payment, mode: DriveMode): Promise<StepResult> {
    const d = this.d;
    switch (p.status) {
      case 'CREATED':
        return riskStep(d, p);
      case 'RISK_APPROVED':
      case 'RISK_REVIEW':
        return authorizeStep(d, p);
      case 'AUTHORIZING':
        // Only an abandoned AUTHORIZING is ever seen here: the request path moves on from it in the same step.
        return abandonedAuthorizationStep(d, p);
      case 'AUTH_UNKNOWN':
        return reverseUnknownAuthorizationStep(d, p);
      case 'AUTHORIZED':
        return orderStep(d, p);
      case 'ORDERING':
        return abandonedOrderStep(d, p);
      case 'ORDER_UNKNOWN':
        // Safe from any actor: WeChat Pay is asked before anything is sent again.
        return resolveUnknownOrderStep(d, p);
      case 'AWAITING_PAYER':
        return mode === 'janitor' ? pollAwaitingPayerStep(d, p) : cancelAwaitingPayerStep(d, p);
      case 'CLOSING':
        return closeOrderStep(d, p);
      case 'REVERSING':
        return reverseHoldStep(d, p);
      case 'PAYER_PAID':
        return captureStep(d, p);
      default:
        return Promise.resolve(waitForEvent);
    }
  }
}
