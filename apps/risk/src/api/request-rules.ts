import {
  ListKind,
  ListSubject,
  ReviewLabel,
  ReviewStatus,
  type ClaimReviewRequest,
  type DeleteListEntryRequest,
  type ListListEntriesRequest,
  type ListReviewsRequest,
  type PutListEntryRequest,
  type ResolveReviewRequest,
} from '@wxpay/contracts';
import { rules, type RequestRules } from '@wxpay/grpc';

/*
 * The field rules of the RiskEngine administration requests (INVALID_ARGUMENT naming the field, the value never
 * echoed). Cross-field rules (a list value is what its subject is, an expiry lies in the future) are ListService's;
 * page tokens are ReviewService's. Evaluate's rules are in evaluate-request.ts (the hot path).
 */

/** Reviewer and author names, list values: letters, digits and _ . : @ - (an IPv6 address included). */
const id = (max = 128) =>
  rules.text({ min: 1, max, pattern: /^[A-Za-z0-9_.:@-]+$/, allowed: 'letters, digits and _ . : @ -' });

const decisionId = rules.uuid('a decision id (UUID)');

export const LIST_REVIEWS: RequestRules<ListReviewsRequest> = {
  status: rules.enumValue(ReviewStatus, { optional: true }),
  limit: rules.intRange(1, 200, { unsetAllowed: true }),
};

export const CLAIM_REVIEW: RequestRules<ClaimReviewRequest> = {
  decision_id: decisionId,
  reviewer: id(),
  lease_seconds: rules.intRange(10, 3600, { unsetAllowed: true }),
};

export const RESOLVE_REVIEW: RequestRules<ResolveReviewRequest> = {
  decision_id: decisionId,
  reviewer: id(),
  label: rules.enumValue(ReviewLabel),
  note: rules.text({ max: 1000 }),
};

const entryKey = {
  kind: rules.enumValue(ListKind),
  subject: rules.enumValue(ListSubject),
  value: id(),
};

export const PUT_LIST_ENTRY: RequestRules<PutListEntryRequest> = {
  ...entryKey,
  reason: rules.text({ max: 200 }),
  created_by: id(),
  expires_at: rules.instant({ optional: true }),
};

export const DELETE_LIST_ENTRY: RequestRules<DeleteListEntryRequest> = entryKey;

export const LIST_LIST_ENTRIES: RequestRules<ListListEntriesRequest> = {
  kind: rules.enumValue(ListKind, { optional: true }),
  subject: rules.enumValue(ListSubject, { optional: true }),
};
