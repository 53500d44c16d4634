import { Ctx } from '@nestjs/microservices';
import {
  AutoRepaymentService,
  Identities,
  type CancelPlanRequest,
  type CreatePlanRequest,
  type GetPlanRequest,
  type IngestStatementRequest,
  type ListRunsRequest,
  type ListRunsResponse,
  type PausePlanRequest,
  type Plan,
  type ResumePlanRequest,
  type RetryPostingRequest,
  type Run,
  type UpdatePlanRequest,
} from '@wxpay/contracts';
import {
  Callers,
  GrpcService,
  Idempotent,
  ValidRequest,
  type CallContext,
  type GrpcController,
} from '@wxpay/grpc';
import { IngestStatementService } from '../use-cases/ingest-statement.service';
import { PlanService } from '../use-cases/plan.service';
import { RetryPostingService } from '../use-cases/retry-posting.service';
import { RunQueryService } from '../use-cases/run-query.service';
import {
  CANCEL_PLAN,
  CREATE_PLAN,
  GET_PLAN,
  INGEST_STATEMENT,
  LIST_RUNS,
  PAUSE_PLAN,
  RESUME_PLAN,
  RETRY_POSTING,
  UPDATE_PLAN,
} from './request-rules';

const { channel, console: operations, cardSystem } = Identities;

/**
 * gateway.repayment.v1.AutoRepayment. Who may call what: signing a card up for automatic repayment and changing
 * its terms is the bank channel's (the backend the cardholder uses); pausing, resuming, cancelling and reading
 * plans and runs are also the operations console's, and retrying a refused posting is the console's alone;
 * statements come from the issuer's card system. Idempotency keys are scoped per caller; a stored answer is
 * replayed before the use case runs.
 */
@GrpcService(AutoRepaymentService)
export class AutoRepaymentController implements GrpcController<typeof AutoRepaymentService> {
  constructor(
    private readonly plans: PlanService,
    private readonly runs: RunQueryService,
    private readonly statements: IngestStatementService,
    private readonly postings: RetryPostingService,
  ) {}

  @Callers(channel)
  @Idempotent()
  createPlan(@ValidRequest(CREATE_PLAN) request: CreatePlanRequest, @Ctx() call: CallContext): Promise<Plan> {
    return this.plans.create(request, call.idempotency!);
  }

  @Callers(channel, operations)
  getPlan(@ValidRequest(GET_PLAN) request: GetPlanRequest): Promise<Plan> {
    return this.plans.get(request.plan_id);
  }

  @Callers(channel)
  @Idempotent()
  updatePlan(@ValidRequest(UPDATE_PLAN) request: UpdatePlanRequest, @Ctx() call: CallContext): Promise<Plan> {
    return this.plans.update(request, call.idempotency!);
  }

  @Callers(channel, operations)
  @Idempotent()
  pausePlan(@ValidRequest(PAUSE_PLAN) request: PausePlanRequest, @Ctx() call: CallContext): Promise<Plan> {
    return this.plans.pause(request, call.idempotency!);
  }

  @Callers(channel, operations)
  @Idempotent()
  resumePlan(@ValidRequest(RESUME_PLAN) request: ResumePlanRequest, @Ctx() call: CallContext): Promise<Plan> {
    return this.plans.resume(request, call.idempotency!);
  }

  @Callers(channel, operations)
  @Idempotent()
  cancelPlan(@ValidRequest(CANCEL_PLAN) request: CancelPlanRequest, @Ctx() call: CallContext): Promise<Plan> {
    return this.plans.cancel(request, call.idempotency!);
  }

  @Callers(channel, operations)
  listRuns(@ValidRequest(LIST_RUNS) request: ListRunsRequest): Promise<ListRunsResponse> {
    return this.runs.list(request);
  }

  @Callers(cardSystem)
  ingestStatement(@ValidRequest(INGEST_STATEMENT) request: IngestStatementRequest): Promise<Run> {
    return this.statements.ingest(request);
  }

  @Callers(operations)
  @Idempotent()
  retryPosting(
    @ValidRequest(RETRY_POSTING) request: RetryPostingRequest,
    @Ctx() call: CallContext,
  ): Promise<Run> {
    return this.postings.retry(request, call.idempotency!);
  }
}
