import { type Payment } from '../../domain/payment';

/** What one step of the driver did: moved the payment (go on), or nothing more to do now. */
export type StepResult =
  | { kind: 'moved'; payment: Payment }
  /** Waiting for the payer, a notification, or at rest. */
  | { kind: 'wait' }
  /** A counterparty did not answer: look again after the delay. */
  | { kind: 'retry-later'; delayMs: number; why: string };

export const moved = (payment: Payment): StepResult => ({ kind: 'moved', payment });
export const waitForEvent: StepResult = { kind: 'wait' };
export const retryLater = (delayMs: number, why: string): StepResult => ({
  kind: 'retry-later',
  delayMs,
  why,
});
