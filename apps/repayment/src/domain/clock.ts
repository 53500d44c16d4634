/**
 * Business time: what decides when a notice, a deduction or a retry is due. Leases and timeouts use real time
 * (the database's now()), so moving the business clock never steals a job from a live worker.
 */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('REPAYMENT_CLOCK');

export const systemClock: Clock = { now: () => new Date() };
