import { type DeclineClass } from '@wxpay/contracts';

export type RunStatus =
  | 'SCHEDULED'
  | 'NOTICE_SENT'
  | 'DEDUCTING'
  | 'COLLECTED'
  | 'REPAID'
  | 'REPAID_MANUALLY'
  | 'FAILED'
  | 'SKIPPED'
  | 'POSTING_FAILED';

/** A run in these states may still deduct. */
export const OPEN_RUN_STATUSES: readonly RunStatus[] = ['SCHEDULED', 'NOTICE_SENT', 'DEDUCTING'];

export interface Run {
  statementId: string;
  planId: string | null;
  cardToken: string;
  currency: string;
  amountDue: number;
  minimumDue: number;
  dueDate: string;
  status: RunStatus;
  statusReason: string | null;
  target: number;
  manualPaid: number;
  collected: number;
  fallback: boolean;
  noticeAt: Date | null;
  deductAt: Date | null;
  deductDays: number | null;
  lastChanceAt: Date | null;
  cutoffAt: Date | null;
  noticeSentAt: Date | null;
  postedAt: Date | null;
}

export type AttemptKind = 'PLANNED' | 'RETRY' | 'FALLBACK_MINIMUM';
export type AttemptState = 'REQUESTED' | 'ACCEPTED' | 'SUCCEEDED' | 'FAILED';

export interface Attempt {
  id: string;
  statementId: string;
  seq: number;
  kind: AttemptKind;
  amount: number;
  currency: string;
  outTradeNo: string;
  state: AttemptState;
  declineClass: DeclineClass | null;
  reason: string | null;
  wechatTransactionId: string | null;
  jobId: string | null;
  requestedAt: Date;
  finishedAt: Date | null;
}
