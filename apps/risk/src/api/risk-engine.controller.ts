import { GrpcStatus, RpcError, type CallContext, type UnaryHandler } from '@wxpay/grpc';
import { DecisionBacklogError } from '../domain/decisions/decision-record';
import { parseEvaluateRequest, type EvaluateRequestMessage } from './evaluate-request';
import { type EvaluateService } from '../use-cases/evaluate.service';
import { type ListService } from '../use-cases/list.service';
import { ReviewConflictError, type ReviewCase } from '../domain/reviews/review-case';
import { type ReviewRepository } from '../persistence/review.repository';
import { type Reason } from '../domain/rules/compiled-rule-set';
import { type RuleSetHolder } from '../use-cases/rule-set.service';
import { type ListEntry } from '../domain/state/list-cache';
import { type AdminGuard } from '../grpc/admin-guard';
import {
  listKind,
  listSubject,
  listValue,
  optionalFutureInstant,
  optionalText,
  requireEnum,
  requireId,
  requireUuid,
} from './request-rules';

export const RISK_ENGINE_SERVICE = 'gateway.risk.v1.RiskEngine';

export interface RiskGrpcDeps {
  evaluate: EvaluateService;
  rules: RuleSetHolder;
  reviews: ReviewRepository;
  lists: ListService;
  guard: AdminGuard;
  maxFutureSkewMs: number;
  maxEventAgeMs: number;
  clock?: () => number;
}

const iso = (d: Date | number | null | undefined) =>
  d === null || d === undefined ? '' : new Date(d).toISOString();

const reasonMessage = (r: Reason) => ({ code: r.code, value: r.value, rule_id: r.ruleId, score: r.score });

function reviewMessage(c: ReviewCase) {
  return {
    decision_id: c.decisionId,
    status: c.status,
    card_token: c.cardToken,
    amount_minor: String(c.amountMinor),
    currency: c.currency,
    merchant_id: c.merchantId,
    scene: c.scene,
    score: c.score,
    reasons: c.reasons.map(reasonMessage),
    rule_set_version: c.ruleSetVersion,
    created_at: iso(c.createdAt),
    claimed_by: c.claimedBy ?? '',
    lease_expires_at: iso(c.leaseExpiresAt),
    label: c.label ?? 'REVIEW_LABEL_UNSPECIFIED',
    resolved_by: c.resolvedBy ?? '',
    resolved_at: iso(c.resolvedAt),
    note: c.note ?? '',
  };
}

function listEntryMessage(e: ListEntry) {
  return {
    kind: e.kind,
    subject: e.subject,
    value: e.value,
    reason: e.reason,
    created_by: e.createdBy,
    created_at: iso(e.createdAt),
    expires_at: iso(e.expiresAt),
  };
}

function reviewError(e: unknown): never {
  if (e instanceof ReviewConflictError) {
    const code = e.reason === 'NOT_FOUND' ? GrpcStatus.NOT_FOUND : GrpcStatus.FAILED_PRECONDITION;
    throw new RpcError(code, e.message, undefined, e.reason);
  }
  throw e;
}

function encodePageToken(next: { createdAt: string; decisionId: string } | undefined): string {
  return next ? Buffer.from(JSON.stringify([next.createdAt, next.decisionId])).toString('base64url') : '';
}

function decodePageToken(token: string | undefined): { createdAt: string; decisionId: string } | undefined {
  if (!token) return undefined;
  try {
    const [createdAt, decisionId] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (
      typeof createdAt === 'string' &&
      !Number.isNaN(Date.parse(createdAt)) &&
      typeof decisionId === 'string'
    ) {
      return { createdAt, decisionId: requireUuid(decisionId, 'page_token') };
    }
  } catch {
    // fall through
  }
  throw RpcError.invalidArgument('page_token', 'is not a token from a previous page');
}

/** The RiskEngine gRPC handlers: validation and mapping only; the work is in the services. */
export function riskGrpcHandlers(deps: RiskGrpcDeps): Record<string, UnaryHandler> {
  const clock = deps.clock ?? Date.now;
  const admin = (ctx: CallContext) => deps.guard.check(ctx);

  const handlers: Record<string, UnaryHandler> = {
    Evaluate: async (req: EvaluateRequestMessage, ctx: CallContext) => {
      const now = clock();
      if (ctx.deadline && ctx.deadline.getTime() <= now) {
        throw new RpcError(GrpcStatus.DEADLINE_EXCEEDED, 'the deadline passed before evaluation');
      }
      const attempt = parseEvaluateRequest(req, {
        now,
        maxFutureSkewMs: deps.maxFutureSkewMs,
        maxAgeMs: deps.maxEventAgeMs,
      });
      try {
        const { decisionId, verdict, evaluatedAt } = await deps.evaluate.evaluate(attempt);
        return {
          decision_id: decisionId,
          decision: verdict.decision,
          score: verdict.score,
          reasons: verdict.reasons.map(reasonMessage),
          rule_set_version: verdict.ruleSetVersion,
          evaluated_at: iso(evaluatedAt),
        };
      } catch (e) {
        if (e instanceof DecisionBacklogError) {
          throw new RpcError(
            GrpcStatus.UNAVAILABLE,
            'decisions cannot be recorded right now; apply the fail policy or retry',
            undefined,
            'DECISION_BACKLOG',
          );
        }
        throw e;
      }
    },

    ListReviews: async (req: { status?: string; limit?: number; page_token?: string }, ctx: CallContext) => {
      admin(ctx);
      const status =
        !req.status || req.status === 'REVIEW_STATUS_UNSPECIFIED'
          ? 'OPEN'
          : requireEnum(req.status, 'status', ['OPEN', 'CLAIMED', 'RESOLVED'] as const);
      const limit = req.limit || 50;
      if (limit < 1 || limit > 200) throw RpcError.invalidArgument('limit', 'must be between 1 and 200');
      const page = await deps.reviews.list(status, limit, decodePageToken(req.page_token));
      return { cases: page.cases.map(reviewMessage), next_page_token: encodePageToken(page.next) };
    },

    ClaimReview: async (
      req: { decision_id?: string; reviewer?: string; lease_seconds?: number },
      ctx: CallContext,
    ) => {
      admin(ctx);
      const decisionId = requireUuid(req.decision_id, 'decision_id');
      const reviewer = requireId(req.reviewer, 'reviewer');
      const lease = req.lease_seconds || 300;
      if (lease < 10 || lease > 3600)
        throw RpcError.invalidArgument('lease_seconds', 'must be between 10 and 3600');
      return reviewMessage(await deps.reviews.claim(decisionId, reviewer, lease).catch(reviewError));
    },

    ResolveReview: async (
      req: { decision_id?: string; reviewer?: string; label?: string; note?: string },
      ctx: CallContext,
    ) => {
      admin(ctx);
      const decisionId = requireUuid(req.decision_id, 'decision_id');
      const reviewer = requireId(req.reviewer, 'reviewer');
      const label = requireEnum(req.label, 'label', ['FRAUD', 'LEGIT'] as const);
      const note = optionalText(req.note, 'note', 1000);
      return reviewMessage(await deps.reviews.resolve(decisionId, reviewer, label, note).catch(reviewError));
    },

    PutListEntry: async (
      req: {
        kind?: string;
        subject?: string;
        value?: string;
        reason?: string;
        created_by?: string;
        expires_at?: string;
      },
      ctx: CallContext,
    ) => {
      admin(ctx);
      const kind = listKind(req.kind);
      const subject = listSubject(req.subject);
      const entry = await deps.lists.put({
        kind,
        subject,
        value: listValue(subject, req.value),
        reason: optionalText(req.reason, 'reason', 200),
        createdBy: requireId(req.created_by, 'created_by'),
        expiresAt: optionalFutureInstant(req.expires_at, 'expires_at', clock()),
      });
      return listEntryMessage(entry);
    },

    DeleteListEntry: async (req: { kind?: string; subject?: string; value?: string }, ctx: CallContext) => {
      admin(ctx);
      const kind = listKind(req.kind);
      const subject = listSubject(req.subject);
      return { deleted: await deps.lists.delete(kind, subject, listValue(subject, req.value)) };
    },

    ListListEntries: async (req: { kind?: string; subject?: string }, ctx: CallContext) => {
      admin(ctx);
      const kind = req.kind && req.kind !== 'LIST_KIND_UNSPECIFIED' ? listKind(req.kind) : undefined;
      const subject =
        req.subject && req.subject !== 'LIST_SUBJECT_UNSPECIFIED' ? listSubject(req.subject) : undefined;
      return { entries: deps.lists.list(kind, subject).map(listEntryMessage) };
    },

    ReloadRules: async (_req: unknown, ctx: CallContext) => {
      admin(ctx);
      const status = await deps.rules.reload();
      if (status.lastError) {
        throw new RpcError(
          GrpcStatus.FAILED_PRECONDITION,
          `${status.lastError}\nstill in force: ${status.liveVersion}`,
          undefined,
          'RULES_REFUSED',
        );
      }
      return ruleStatusMessage(status);
    },

    GetRuleSetStatus: async (_req: unknown, ctx: CallContext) => {
      admin(ctx);
      return ruleStatusMessage(deps.rules.status());
    },
  };
  return handlers;
}

function ruleStatusMessage(s: ReturnType<RuleSetHolder['status']>) {
  return {
    live_version: s.liveVersion,
    live_sha256: s.liveSha256,
    shadow_version: s.shadowVersion,
    loaded_at: s.loadedAt,
    last_error: s.lastError,
  };
}
