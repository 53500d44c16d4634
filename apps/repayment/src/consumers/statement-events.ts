import {
  StatementEventTypes,
  statementIssuedSchema,
  statementPaymentReceivedSchema,
  type EventEnvelope,
} from '@wxpay/contracts';
import { NonRetriableError, type HandlerContext } from '@wxpay/messaging';
import { type RunService } from '../runs/run-service';

/**
 * `statements.v1`: StatementIssued schedules a run; StatementPaymentReceived (a manual repayment) cancels or
 * lowers the pending deduction. The inbox skips redelivered events; the run's own state skips re-sent ones.
 */
export function statementEventHandler(service: RunService) {
  return async (event: EventEnvelope, ctx: HandlerContext): Promise<void> => {
    if (event.type === StatementEventTypes.issued) {
      const parsed = statementIssuedSchema.safeParse(event.payload);
      if (!parsed.success) throw new NonRetriableError(`StatementIssued: ${parsed.error.issues[0]?.message}`);
      const s = parsed.data;
      await service.ingest(ctx.manager, {
        statementId: s.statementId,
        cardToken: s.cardToken,
        currency: s.amountDue.currency,
        amountDue: s.amountDue.minor,
        minimumDue: s.minimumDue.minor,
        dueDate: s.dueDate,
      });
      return;
    }
    if (event.type === StatementEventTypes.paymentReceived) {
      const parsed = statementPaymentReceivedSchema.safeParse(event.payload);
      if (!parsed.success)
        throw new NonRetriableError(`StatementPaymentReceived: ${parsed.error.issues[0]?.message}`);
      const p = parsed.data;
      await service.manualPayment(ctx.manager, {
        statementId: p.statementId,
        paymentRef: p.paymentRef,
        amount: p.amount.minor,
        currency: p.amount.currency,
        channel: p.channel,
      });
    }
    // Other statement event types are not ours to act on.
  };
}
