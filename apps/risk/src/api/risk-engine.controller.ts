import { Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  Identities,
  RiskEngineService,
  type ClaimReviewRequest,
  type DeleteListEntryRequest,
  type DeleteListEntryResponse,
  type EvaluateRequest,
  type EvaluateResponse,
  type GetRuleSetStatusRequest,
  type ListEntry,
  type ListListEntriesRequest,
  type ListListEntriesResponse,
  type ListReviewsRequest,
  type ListReviewsResponse,
  type PutListEntryRequest,
  type ReloadRulesRequest,
  type ResolveReviewRequest,
  type ReviewCase,
  type RuleSetStatus,
} from '@wxpay/contracts';
import { Callers, GrpcService, ValidRequest, type CallContext, type GrpcController } from '@wxpay/grpc';
import { RiskErrors, riskError } from '../errors';
import { RISK_OPTIONS, type RiskRunOptions } from '../risk-options';
import { EvaluateService } from '../use-cases/evaluate.service';
import { ListService } from '../use-cases/list.service';
import { ReviewService } from '../use-cases/review.service';
import { RuleSetHolder } from '../use-cases/rule-set.service';
import { parseEvaluateRequest } from './evaluate-request';
import {
  CLAIM_REVIEW,
  DELETE_LIST_ENTRY,
  LIST_LIST_ENTRIES,
  LIST_REVIEWS,
  PUT_LIST_ENTRY,
  RESOLVE_REVIEW,
} from './request-rules';
import {
  DECISION_MESSAGE,
  iso,
  LIST_KIND,
  LIST_SUBJECT,
  listEntryMessage,
  reasonMessage,
  REVIEW_LABEL,
  REVIEW_STATUS,
  reviewMessage,
  ruleStatusMessage,
} from './risk-views';

const { payment, console: operations } = Identities;

/**
 * gateway.risk.v1.RiskEngine. Who may call what: decisions are the payment service's; the review queue, the block
 * and allow lists and the rules are the operations console's (payment may ask for a decision, not allow-list a
 * card). Evaluate does no database work on the call: the verdict comes from memory and the decision is stored
 * in batches (RISK_DECISION_DURABILITY=sync waits for its batch).
 */
@GrpcService(RiskEngineService)
export class RiskEngineController implements GrpcController<typeof RiskEngineService> {
  private readonly bounds: { maxFutureSkewMs: number; maxAgeMs: number };

  constructor(
    private readonly evaluator: EvaluateService,
    private readonly reviews: ReviewService,
    private readonly lists: ListService,
    private readonly rules: RuleSetHolder,
    @Inject(RISK_OPTIONS) options: RiskRunOptions,
  ) {
    this.bounds = { maxFutureSkewMs: options.config.maxFutureSkewMs, maxAgeMs: options.config.maxEventAgeMs };
  }

  @Callers(payment)
  async evaluate(@Payload() request: EvaluateRequest, @Ctx() call: CallContext): Promise<EvaluateResponse> {
    const now = Date.now();
    if (call.deadline && call.deadline.getTime() <= now) {
      throw riskError(RiskErrors.deadlinePassed, 'the deadline passed before evaluation');
    }
    const attempt = parseEvaluateRequest(request, {
      now,
      maxFutureSkewMs: this.bounds.maxFutureSkewMs,
      maxAgeMs: this.bounds.maxAgeMs,
    });
    const { decisionId, verdict, evaluatedAt } = await this.evaluator.evaluate(attempt);
    return {
      decision_id: decisionId,
      decision: DECISION_MESSAGE[verdict.decision],
      score: verdict.score,
      reasons: verdict.reasons.map(reasonMessage),
      rule_set_version: verdict.ruleSetVersion,
      evaluated_at: iso(evaluatedAt),
    };
  }

  @Callers(operations)
  async listReviews(@ValidRequest(LIST_REVIEWS) request: ListReviewsRequest): Promise<ListReviewsResponse> {
    const page = await this.reviews.list(
      REVIEW_STATUS[request.status] ?? 'OPEN',
      request.limit || 50,
      request.page_token,
    );
    return { cases: page.cases.map(reviewMessage), next_page_token: page.nextPageToken };
  }

  @Callers(operations)
  async claimReview(@ValidRequest(CLAIM_REVIEW) request: ClaimReviewRequest): Promise<ReviewCase> {
    const claimed = await this.reviews.claim(
      request.decision_id,
      request.reviewer,
      request.lease_seconds || 300,
    );
    return reviewMessage(claimed);
  }

  @Callers(operations)
  async resolveReview(@ValidRequest(RESOLVE_REVIEW) request: ResolveReviewRequest): Promise<ReviewCase> {
    const resolved = await this.reviews.resolve(
      request.decision_id,
      request.reviewer,
      REVIEW_LABEL[request.label]!,
      request.note,
    );
    return reviewMessage(resolved);
  }

  @Callers(operations)
  async putListEntry(@ValidRequest(PUT_LIST_ENTRY) request: PutListEntryRequest): Promise<ListEntry> {
    const entry = await this.lists.put({
      kind: LIST_KIND[request.kind]!,
      subject: LIST_SUBJECT[request.subject]!,
      value: request.value,
      reason: request.reason,
      createdBy: request.created_by,
      expiresAt: request.expires_at ? Date.parse(request.expires_at) : null,
    });
    return listEntryMessage(entry);
  }

  @Callers(operations)
  async deleteListEntry(
    @ValidRequest(DELETE_LIST_ENTRY) request: DeleteListEntryRequest,
  ): Promise<DeleteListEntryResponse> {
    const kind = LIST_KIND[request.kind]!;
    return { deleted: await this.lists.delete(kind, LIST_SUBJECT[request.subject]!, request.value) };
  }

  @Callers(operations)
  listListEntries(
    @ValidRequest(LIST_LIST_ENTRIES) request: ListListEntriesRequest,
  ): Promise<ListListEntriesResponse> {
    const entries = this.lists.list(LIST_KIND[request.kind], LIST_SUBJECT[request.subject]);
    return Promise.resolve({ entries: entries.map(listEntryMessage) });
  }

  @Callers(operations)
  async reloadRules(@Payload() _request: ReloadRulesRequest): Promise<RuleSetStatus> {
    const status = await this.rules.reload();
    if (status.lastError) {
      throw riskError(RiskErrors.rulesRefused, `${status.lastError}\nstill in force: ${status.liveVersion}`);
    }
    return ruleStatusMessage(status);
  }

  @Callers(operations)
  getRuleSetStatus(@Payload() _request: GetRuleSetStatusRequest): Promise<RuleSetStatus> {
    return Promise.resolve(ruleStatusMessage(this.rules.status()));
  }
}
