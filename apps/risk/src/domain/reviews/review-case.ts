import { DomainError } from '@wxpay/contracts';
import { type RiskErrors } from '../../errors';
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

export type ReviewConflict =
  | typeof RiskErrors.reviewNotFound
  | typeof RiskErrors.claimedByOther
  | typeof RiskErrors.notClaimed
  | typeof RiskErrors.alreadyResolved;

/** Why a claim or resolution was refused (a DomainError: RISK_ERROR_STATUS gives its gRPC status). */
export class ReviewConflictError extends DomainError<ReviewConflict> {}
