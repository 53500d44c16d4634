import { type Verdict } from '../rules/compiled-rule-set';
import { type Attempt, type RiskSubject } from '../engine/risk-subject';

/** One decision as stored (table risk_decision) and published (RiskDecisionMade). */
export interface DecisionRecord {
  decisionId: string;
  attempt: Attempt;
  subject: RiskSubject;
  live: Verdict;
  shadow: Verdict | null;
  evaluatedAt: number;
}

/** Takes decisions off the synchronous path; the promise settles when the decision is durable. */
export interface DecisionSink {
  /** Throws DecisionBacklogError at once when it cannot accept more (the store is down or far behind). */
  record(decision: DecisionRecord): Promise<void>;
}

export class DecisionBacklogError extends Error {
  override readonly name = 'DecisionBacklogError';
}
