import {
  Decision,
  listKindFromJSON,
  listSubjectFromJSON,
  reviewLabelFromJSON,
  reviewStatusFromJSON,
  sceneFromJSON,
  ListKind as ListKindMessage,
  ListSubject as ListSubjectMessage,
  ReviewLabel as ReviewLabelMessage,
  ReviewStatus as ReviewStatusMessage,
  type ListEntry as ListEntryMessage,
  type Reason as ReasonMessage,
  type ReviewCase as ReviewCaseMessage,
  type RuleSetStatus as RuleSetStatusMessage,
} from '@wxpay/contracts';
import { type DecisionOutcome } from '../domain/engine/risk-subject';
import { type ReviewCase, type ReviewLabel, type ReviewStatus } from '../domain/reviews/review-case';
import { type Reason } from '../domain/rules/compiled-rule-set';
import { type ListEntry, type ListKind, type ListSubject } from '../domain/state/list-cache';
import { type RuleSetStatus } from '../use-cases/rule-set.service';

/** The RiskEngine messages of the domain's values, and the domain's values of validated request enums. */

export const iso = (d: Date | number | null | undefined): string =>
  d === null || d === undefined ? '' : new Date(d).toISOString();

/** A lookup, not a switch per call: Evaluate's answer is on the hot path. */
export const DECISION_MESSAGE: Readonly<Record<DecisionOutcome, Decision>> = {
  APPROVE: Decision.APPROVE,
  REVIEW: Decision.REVIEW,
  REJECT: Decision.REJECT,
};

export const reasonMessage = (r: Reason): ReasonMessage => ({
  code: r.code,
  value: r.value,
  rule_id: r.ruleId,
  score: r.score,
});

export function reviewMessage(c: ReviewCase): ReviewCaseMessage {
  return {
    decision_id: c.decisionId,
    status: reviewStatusFromJSON(c.status),
    card_token: c.cardToken,
    amount_minor: String(c.amountMinor),
    currency: c.currency,
    merchant_id: c.merchantId,
    scene: sceneFromJSON(c.scene),
    score: c.score,
    reasons: c.reasons.map(reasonMessage),
    rule_set_version: c.ruleSetVersion,
    created_at: iso(c.createdAt),
    claimed_by: c.claimedBy ?? '',
    lease_expires_at: iso(c.leaseExpiresAt),
    label: c.label ? reviewLabelFromJSON(c.label) : ReviewLabelMessage.REVIEW_LABEL_UNSPECIFIED,
    resolved_by: c.resolvedBy ?? '',
    resolved_at: iso(c.resolvedAt),
    note: c.note ?? '',
  };
}

export function listEntryMessage(e: ListEntry): ListEntryMessage {
  return {
    kind: listKindFromJSON(e.kind),
    subject: listSubjectFromJSON(e.subject),
    value: e.value,
    reason: e.reason,
    created_by: e.createdBy,
    created_at: iso(e.createdAt),
    expires_at: iso(e.expiresAt),
  };
}

export const ruleStatusMessage = (s: RuleSetStatus): RuleSetStatusMessage => ({
  live_version: s.liveVersion,
  live_sha256: s.liveSha256,
  shadow_version: s.shadowVersion,
  loaded_at: s.loadedAt,
  last_error: s.lastError,
});

/** Request enums → domain values (`undefined` for the zero value, which the request rules admit only as "any"). */
export const REVIEW_STATUS: Partial<Record<ReviewStatusMessage, ReviewStatus>> = {
  [ReviewStatusMessage.OPEN]: 'OPEN',
  [ReviewStatusMessage.CLAIMED]: 'CLAIMED',
  [ReviewStatusMessage.RESOLVED]: 'RESOLVED',
};

export const REVIEW_LABEL: Partial<Record<ReviewLabelMessage, ReviewLabel>> = {
  [ReviewLabelMessage.FRAUD]: 'FRAUD',
  [ReviewLabelMessage.LEGIT]: 'LEGIT',
};

export const LIST_KIND: Partial<Record<ListKindMessage, ListKind>> = {
  [ListKindMessage.BLOCK]: 'BLOCK',
  [ListKindMessage.ALLOW]: 'ALLOW',
};

export const LIST_SUBJECT: Partial<Record<ListSubjectMessage, ListSubject>> = {
  [ListSubjectMessage.CARD_TOKEN]: 'CARD_TOKEN',
  [ListSubjectMessage.DEVICE]: 'DEVICE',
  [ListSubjectMessage.IP]: 'IP',
  [ListSubjectMessage.MERCHANT]: 'MERCHANT',
};
