import { type Reason } from '../rules/compiled-rule-set';

export type ReviewStatus = 'OPEN' | 'CLAIMED' | 'RESOLVED';
export type ReviewLabel = 'FRAUD' | 'LEGIT';

export interface ReviewCase {
  decisionId: string;
  status: ReviewStatus;
  cardToken: string;
  amountMinor: number;
  currency: string;
  merchantId: string;
  scene: string;
  score: number;
  reasons: Reason[];
  ruleSetVersion: string;
  createdAt: Date;
  claimedBy: string | null;
  leaseExpiresAt: Date | null;
  label: ReviewLabel | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  note: string | null;
}

/** Why a claim or resolution was refused; the gRPC layer maps these to status codes. */
export class ReviewConflictError extends Error {
  override readonly name = 'ReviewConflictError';
  constructor(
    readonly reason: 'NOT_FOUND' | 'CLAIMED_BY_OTHER' | 'NOT_CLAIMED' | 'ALREADY_RESOLVED',
    message: string,
  ) {
    super(message);
  }
}
