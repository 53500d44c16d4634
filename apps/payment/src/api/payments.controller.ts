import { Ctx, Payload } from '@nestjs/microservices';
import {
  Identities,
  PaymentsService,
  type CancelPaymentRequest,
  type CheckLedgerRequest,
  type CheckLedgerResponse,
  type CreatePaymentRequest,
  type CreatePaymentResponse,
  type GetPaymentRequest,
  type ListPaymentsRequest,
  type ListPaymentsResponse,
  type ListReconciliationBreaksRequest,
  type ListReconciliationBreaksResponse,
  type Payment,
  type ReconciliationReport,
  type RefundPaymentRequest,
  type RefundPaymentResponse,
  type ReconciliationBreak,
  type ResolveReconciliationBreakRequest,
  type RetryCaptureRequest,
  type RunReconciliationRequest,
} from '@wxpay/contracts';
import {
  Callers,
  GrpcService,
  Idempotent,
  ValidRequest,
  type CallContext,
  type GrpcController,
} from '@wxpay/grpc';
import { previousBusinessDate } from '../jobs/reconciliation-scheduler';
import { CancelPaymentService } from '../use-cases/cancel-payment.service';
import { CreatePaymentService } from '../use-cases/create-payment.service';
import { LedgerCheckService } from '../use-cases/ledger-check.service';
import { PaymentQueryService } from '../use-cases/payment-query.service';
import { ReconciliationBreaksService } from '../use-cases/reconciliation-breaks.service';
import { ReconciliationService } from '../use-cases/reconciliation.service';
import { RefundPaymentService } from '../use-cases/refund-payment.service';
import { RetryCaptureService } from '../use-cases/retry-capture.service';
import { reportView } from './payment-views';
import {
  CANCEL_PAYMENT,
  CREATE_PAYMENT,
  GET_PAYMENT,
  LIST_PAYMENTS,
  LIST_RECONCILIATION_BREAKS,
  REFUND_PAYMENT,
  RESOLVE_RECONCILIATION_BREAK,
  RETRY_CAPTURE,
  RUN_RECONCILIATION,
} from './request-rules';

const { channel, console: operations, payment: ownJob } = Identities;

/**
 * The use cases claim the key in their own first statement (and replay a stored answer from there): no read
 * before the controller runs.
 */
const CLAIMED_BY_USE_CASE = { replayFirst: false } as const;

/**
 * gateway.payment.v1.Payments. Who may call what: paying is the bank channel's (the backend cardholders pay
 * through); reading, refunding and cancelling are also the operations console's; reconciliation is the console's
 * and the service's own reconciliation job's; the ledger audit and the operator paths (a refused capture tried
 * again, a break resolved) the console's alone. Keys are scoped per caller.
 */
@GrpcService(PaymentsService)
export class PaymentsController implements GrpcController<typeof PaymentsService> {
  constructor(
    private readonly creating: CreatePaymentService,
    private readonly refunding: RefundPaymentService,
    private readonly cancelling: CancelPaymentService,
    private readonly query: PaymentQueryService,
    private readonly reconciliation: ReconciliationService,
    private readonly ledger: LedgerCheckService,
    private readonly retryingCapture: RetryCaptureService,
    private readonly breaks: ReconciliationBreaksService,
  ) {}

  @Callers(channel)
  @Idempotent(CLAIMED_BY_USE_CASE)
  createPayment(
    @ValidRequest(CREATE_PAYMENT) request: CreatePaymentRequest,
    @Ctx() call: CallContext,
  ): Promise<CreatePaymentResponse> {
    return this.creating.create(request, call.idempotency!, call.traceId);
  }

  @Callers(channel, operations)
  getPayment(@ValidRequest(GET_PAYMENT) request: GetPaymentRequest): Promise<Payment> {
    return this.query.get(request);
  }

  @Callers(channel, operations)
  listPayments(@ValidRequest(LIST_PAYMENTS) request: ListPaymentsRequest): Promise<ListPaymentsResponse> {
    return this.query.list(request);
  }

  @Callers(channel, operations)
  @Idempotent(CLAIMED_BY_USE_CASE)
  refundPayment(
    @ValidRequest(REFUND_PAYMENT) request: RefundPaymentRequest,
    @Ctx() call: CallContext,
  ): Promise<RefundPaymentResponse> {
    return this.refunding.refund(request, call.idempotency!);
  }

  @Callers(channel, operations)
  @Idempotent(CLAIMED_BY_USE_CASE)
  cancelPayment(
    @ValidRequest(CANCEL_PAYMENT) request: CancelPaymentRequest,
    @Ctx() call: CallContext,
  ): Promise<Payment> {
    return this.cancelling.cancel(request, call.idempotency!);
  }

  // The service's own reconciliation job (reconcile.ts: the chart's CronJob, compose's job) runs with its identity.
  @Callers(operations, ownJob)
  async runReconciliation(
    @ValidRequest(RUN_RECONCILIATION) request: RunReconciliationRequest,
  ): Promise<ReconciliationReport> {
    const date = request.business_date || previousBusinessDate(new Date());
    return reportView(await this.reconciliation.run(date));
  }

  @Callers(operations)
  checkLedger(@Payload() _request: CheckLedgerRequest): Promise<CheckLedgerResponse> {
    return this.ledger.check();
  }

  @Callers(operations)
  @Idempotent(CLAIMED_BY_USE_CASE)
  retryCapture(
    @ValidRequest(RETRY_CAPTURE) request: RetryCaptureRequest,
    @Ctx() call: CallContext,
  ): Promise<Payment> {
    return this.retryingCapture.retry(request, call.idempotency!);
  }

  @Callers(operations)
  @Idempotent()
  resolveReconciliationBreak(
    @ValidRequest(RESOLVE_RECONCILIATION_BREAK) request: ResolveReconciliationBreakRequest,
    @Ctx() call: CallContext,
  ): Promise<ReconciliationBreak> {
    return this.breaks.resolve(request, call.idempotency!);
  }

  @Callers(operations)
  listReconciliationBreaks(
    @ValidRequest(LIST_RECONCILIATION_BREAKS) request: ListReconciliationBreaksRequest,
  ): Promise<ListReconciliationBreaksResponse> {
    return this.breaks.list(request);
  }
}
