import { DomainError } from '@wxpay/contracts';
import { randomUUID } from 'crypto';
import { toCnyFen, type FxRates } from '../domain/engine/fx-rates';
import { type RiskEngine } from '../domain/engine/risk-engine';
import { type Attempt } from '../domain/engine/risk-subject';
import { subjectOfAttempt } from '../domain/engine/subjects';
import { type Verdict } from '../domain/rules/compiled-rule-set';
import { type DecisionRecord, type DecisionSink } from '../domain/decisions/decision-record';

export type Durability = 'async' | 'sync';

export interface EvaluateOutcome {
  decisionId: string;
  verdict: Verdict;
  evaluatedAt: number;
}

export interface EvaluateServiceOptions {
  engine: RiskEngine;
  sink: DecisionSink;
  fx: FxRates;
  /**
   * async: answer at once; the decision is durable within one flush interval (lost if the process dies first).
   * sync: answer once the decision's batch has committed (group commit; adds up to one flush interval).
   */
  durability: Durability;
  /** Retries with the same attempt id within this period get the first answer and are counted once. */
  idempotencyTtlMs?: number;
  idempotencyMaxEntries?: number;
  clock?: () => number;
  /** Observes every verdict (metrics). */
  onVerdict?: (live: Verdict, shadow: Verdict | null) => void;
}

interface Remembered {
  at: number;
  outcome: Promise<EvaluateOutcome>;
}

/** Evaluate without the transport: attempt in, verdict out, decision handed to the sink. */
export class EvaluateService {
  private readonly recent = new Map<string, Remembered>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly clock: () => number;

  constructor(private readonly opts: EvaluateServiceOptions) {
    this.ttlMs = opts.idempotencyTtlMs ?? 10 * 60_000;
    this.maxEntries = opts.idempotencyMaxEntries ?? 100_000;
    this.clock = opts.clock ?? Date.now;
  }

  evaluate(attempt: Attempt): Promise<EvaluateOutcome> {
    if (!attempt.attemptId) return this.evaluateOnce(attempt);
    const now = this.clock();
    const known = this.recent.get(attempt.attemptId);
    if (known && now - known.at < this.ttlMs) return known.outcome;
    const outcome = this.evaluateOnce(attempt);
    this.remember(attempt.attemptId, { at: now, outcome });
    // A failed evaluation (backlog) may be retried for real.
    outcome.catch(() => this.recent.delete(attempt.attemptId!));
    return outcome;
  }

  private async evaluateOnce(attempt: Attempt): Promise<EvaluateOutcome> {
    const amountCny = toCnyFen(attempt.amountMinor, attempt.currency, this.opts.fx);
    if (amountCny === undefined) throw DomainError.invalid('currency', 'has no conversion rate configured');
    const subject = subjectOfAttempt(attempt, amountCny);
    const { live, shadow } = this.opts.engine.evaluate(subject);
    this.opts.onVerdict?.(live, shadow);
    const record: DecisionRecord = {
      decisionId: randomUUID(),
      attempt,
      subject,
      live,
      shadow,
      evaluatedAt: this.clock(),
    };
    const durable = this.opts.sink.record(record);
    if (this.opts.durability === 'sync') await durable;
    else durable.catch(() => undefined); // the recorder logs and counts failed flushes itself
    return { decisionId: record.decisionId, verdict: live, evaluatedAt: record.evaluatedAt };
  }

  private remember(attemptId: string, entry: Remembered): void {
    if (this.recent.size >= this.maxEntries) {
      // Oldest first: Map iteration follows insertion order.
      for (const [key, value] of this.recent) {
        if (this.recent.size < this.maxEntries && this.clock() - value.at < this.ttlMs) break;
        this.recent.delete(key);
      }
    }
    this.recent.set(attemptId, entry);
  }
}
