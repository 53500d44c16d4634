import { DomainError } from '@wxpay/contracts';
import { RiskErrors } from '../../errors';
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

/** Decisions cannot be stored right now: UNAVAILABLE, the caller applies its fail policy or retries. */
export class DecisionBacklogError extends DomainError<typeof RiskErrors.decisionBacklog> {
  constructor(why: string) {
    super(
      RiskErrors.decisionBacklog,
      `decisions cannot be recorded right now (${why}); apply the fail policy or retry`,
    );
  }
}
