import {
  StatementEventTypes,
  statementIssuedSchema,
  statementPaymentReceivedSchema,
  type EventEnvelope,
  type StatementIssued,
  type StatementPaymentReceived,
} from '@wxpay/contracts';
import { type BatchHandler, type ChunkTransaction, NonRetriableError } from '@wxpay/messaging';
import { type RunService } from '../use-cases/run.service';

type Prepared =
  | { kind: 'issued'; s: StatementIssued }
  | { kind: 'payment'; p: StatementPaymentReceived }
  | { kind: 'other' };

/**
 * `statements.v1`: StatementIssued schedules a run; StatementPaymentReceived (a manual repayment) cancels or
 * lowers the pending deduction. Applied in chunks (one transaction each, one inbox statement per chunk): a due
 * date brings every statement of a billing cycle at once. The inbox skips redelivered events; the run's own
 * state skips re-sent ones. A payload that does not parse goes to the DLQ alone.
 */
export function statementEventHandler(service: RunService): BatchHandler<Prepared> {
  return {
    prepare(event: EventEnvelope): Prepared {
      if (event.type === StatementEventTypes.issued) {
        const parsed = statementIssuedSchema.safeParse(event.payload);
        if (!parsed.success)
          throw new NonRetriableError(`StatementIssued: ${parsed.error.issues[0]?.message}`);
        return { kind: 'issued', s: parsed.data };
      }
      if (event.type === StatementEventTypes.paymentReceived) {
        const parsed = statementPaymentReceivedSchema.safeParse(event.payload);
        if (!parsed.success) {
          throw new NonRetriableError(`StatementPaymentReceived: ${parsed.error.issues[0]?.message}`);
        }
        return { kind: 'payment', p: parsed.data };
      }
      return { kind: 'other' }; // other statement event types are not ours to act on
    },
    async apply(items, tx: ChunkTransaction): Promise<void> {
      for (const { prepared } of items) {
        if (prepared.kind === 'issued') {
          const s = prepared.s;
          await service.ingest(tx.manager, {
            statementId: s.statementId,
            cardToken: s.cardToken,
            currency: s.amountDue.currency,
            amountDue: s.amountDue.minor,
            minimumDue: s.minimumDue.minor,
            dueDate: s.dueDate,
          });
        } else if (prepared.kind === 'payment') {
          const p = prepared.p;
          await service.manualPayment(tx.manager, {
            statementId: p.statementId,
            paymentRef: p.paymentRef,
            amount: p.amount.minor,
            currency: p.amount.currency,
            channel: p.channel,
          });
        }
      }
    },
  };
}
