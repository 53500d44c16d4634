import { fixKafkajsIdleTimer } from './kafkajs-idle-fix';

interface Queue {
  pending: unknown[];
  inflight: Map<number, unknown>;
  throttleCheckTimeoutId: unknown;
  checkPendingRequests(): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs ships no types for its internals
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (opts: object) => Queue;

function queue(): Queue {
  return new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'idle-fix-spec',
    broker: '127.0.0.1:9092',
    logger: { debug: () => undefined, warn: () => undefined },
  });
}

describe('kafkajs idle timer fix', () => {
  beforeAll(() => fixKafkajsIdleTimer());
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('arms no timer once a request is answered and nothing else waits', () => {
    const q = queue();
    q.checkPendingRequests(); // what every answered request does
    expect(q.throttleCheckTimeoutId).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('still checks again when the broker throttles this client', () => {
    const q = queue();
    q.maybeThrottle(50);
    q.checkPendingRequests();
    expect(jest.getTimerCount()).toBe(1);
    q.destroy();
  });

  it('still checks again while requests wait to be sent', () => {
    const q = queue();
    q.inflight.set(1, {}); // at the in-flight limit: the next request waits
    q.pending.push({});
    q.checkPendingRequests();
    expect(jest.getTimerCount()).toBe(1);
    q.destroy();
  });

  it('patches once however often it is applied', () => {
    fixKafkajsIdleTimer();
    const q = queue();
    q.checkPendingRequests();
    expect(jest.getTimerCount()).toBe(0);
  });
});
