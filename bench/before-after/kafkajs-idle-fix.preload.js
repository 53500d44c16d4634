// Loaded into both sides' services (after their TypeScript loader). A base that still runs on kafkajs 2.2.4 gets
// its idle-timer fix: kafkajs keeps a 1 ms timer armed on every open connection even when nothing is queued
// (tulios/kafkajs#1556, #1704; the fix, #1667, was never released), which costs a base CPU but also keeps its
// event loop from sleeping between calls (measured: the head's median round p99 at risk 18 % above such a base,
// −2 % when both spun the same timer). The gateway itself left kafkajs (issue 24); a tree without it is left
// alone. The check is skipped when nothing waits and no throttle is in effect, as #1667 does.
const FIXED = Symbol.for('wxpay.kafkajs.idle-fix');

let RequestQueue;
try {
  RequestQueue = require(require.resolve('kafkajs/src/network/requestQueue', { paths: [process.cwd()] }));
} catch {
  RequestQueue = undefined;
}
const proto = RequestQueue && RequestQueue.prototype;
if (proto && !proto[FIXED] && typeof proto.scheduleCheckPendingRequests === 'function') {
  const original = proto.scheduleCheckPendingRequests;
  proto.scheduleCheckPendingRequests = function () {
    if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
    original.call(this);
  };
  proto[FIXED] = true;
}
