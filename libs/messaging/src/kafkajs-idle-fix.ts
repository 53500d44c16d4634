/** The part of kafkajs' per-connection request queue (src/network/requestQueue) this fix touches. */
interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  scheduleCheckPendingRequests(): void;
}

const FIXED = Symbol.for('wxpay.kafkajs.idle-fix');

interface RequestQueueModule {
  prototype: RequestQueueInternals & { [FIXED]?: true };
}

/**
 * kafkajs 2.2.4, its last release, keeps a 1 ms timer running on every open connection even when nothing is
 * queued: `scheduleCheckPendingRequests` computes a negative delay when no client-side throttle is in effect and
 * arms the timer anyway, and each firing arms the next (tulios/kafkajs#1556 and #1704; the fix, #1667, was never
 * released). Measured here, one idle admin connection fired about 900 timers a second and used 48 ms of CPU per
 * second, on whichever thread owns it: every service's readiness check keeps one open on the thread that answers
 * its gRPC calls. Patched in place rather than forked: the check is skipped when nothing waits and no throttle is
 * in effect, as #1667 does; a request queued later arms its own check, and every answered request checks the
 * queue. Goes away with kafkajs (issue 24).
 */
export function fixKafkajsIdleTimer(
  // The kafkajs this package resolves; before-after's harness passes another checkout's (bench/before-after).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs ships no types for its internals
  RequestQueue = require('kafkajs/src/network/requestQueue') as RequestQueueModule,
): void {
  const proto = RequestQueue.prototype;
  const original = proto.scheduleCheckPendingRequests;
  if (proto[FIXED] || typeof original !== 'function') return;
  proto.scheduleCheckPendingRequests = function (this: RequestQueueInternals): void {
    if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
    original.call(this);
  };
  proto[FIXED] = true;
}
