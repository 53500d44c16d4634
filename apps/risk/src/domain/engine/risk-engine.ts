import { type AlertHit, type Verdict } from '../rules/compiled-rule-set';
import { type ActiveRules } from '../../use-cases/rule-set.service';
import { type ProfileChange } from '../state/card-profiles';
import { windowFactOf, type RiskState } from '../state/risk-state';
import { type RiskSubject } from './risk-subject';

export interface EvaluationResult {
  live: Verdict;
  /** The candidate rule set's would-be verdict on the same state, when one runs in shadow mode. */
  shadow: Verdict | null;
}

export interface MonitoringResult {
  hits: AlertHit[];
  ruleSetVersion: string;
}

export interface Observation extends MonitoringResult {
  /** What the card's profile learned from the fact (to be persisted). */
  change: ProfileChange;
  /** Takes the fact back out of the state (its transaction rolled back). */
  undo: () => void;
}

/**
 * The decision core, free of I/O: the same object serves gRPC, the Kafka stream and the backtest. `rules` is read
 * once per call, so a reload that swaps the rule sets mid-way cannot mix two versions in one evaluation.
 */
export class RiskEngine {
  constructor(
    readonly state: RiskState,
    private readonly rules: () => ActiveRules,
  ) {}

  /** Counts the attempt, runs the live (and shadow) rules on one frame, then moves the card's position. */
  evaluate(subject: RiskSubject): EvaluationResult {
    const { live, shadow } = this.rules();
    this.state.recordAttempt(subject);
    const frame = this.state.frame(subject);
    const liveVerdict = live.decide(frame);
    const shadowVerdict = shadow ? shadow.decide(frame) : null;
    this.state.noteOutcome(subject, liveVerdict.decision);
    return { live: liveVerdict, shadow: shadowVerdict };
  }

  /**
   * Runs the live monitoring rules on a lifecycle fact that is not applied yet (its transaction is still open):
   * the windows read through the frame include it, the shared state does not.
   */
  monitor(subject: RiskSubject): MonitoringResult {
    const { live } = this.rules();
    const frame = this.state.frame(subject, windowFactOf(subject.eventType, subject.amountCny));
    return { hits: live.monitor(frame), ruleSetVersion: live.label };
  }

  /**
   * The stream path: applies a lifecycle fact to the state at once (reversibly) and runs the live monitoring
   * rules on the card as it was before the fact, with windows that include it, and every fact applied before it.
   */
  observe(subject: RiskSubject): Observation {
    const { live } = this.rules();
    const frame = this.state.frame(subject); // profile snapshot before the fact; windows read live
    const { change, undo } = this.state.applyFact(subject);
    return { hits: live.monitor(frame), ruleSetVersion: live.label, change, undo };
  }

  /** Applies a lifecycle fact for good (state rebuild, backtest, tests). */
  apply(subject: RiskSubject): ProfileChange {
    return this.state.applyFact(subject).change;
  }
}
