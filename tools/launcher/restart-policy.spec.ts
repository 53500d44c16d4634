import { RestartPolicy } from './restart-policy';

describe('restarting an app that exited', () => {
  const options = { windowMs: 60_000, maxExits: 3, firstDelayMs: 1000, maxDelayMs: 3000 };

  it('waits longer after each exit in the window, up to the maximum, then gives up on a crash loop', () => {
    const policy = new RestartPolicy(options);
    expect([0, 1, 2].map((s) => policy.onExit(s * 1000))).toEqual([1000, 2000, 3000]);
    expect(policy.onExit(3000)).toBeUndefined();
  });

  it('forgets exits older than the window, and all of them after an operator restart', () => {
    const policy = new RestartPolicy(options);
    policy.onExit(0);
    policy.onExit(1000);
    expect(policy.onExit(60_500)).toBe(2000); // the exit at 0 is forgotten, the one at 1000 is not
    policy.reset();
    expect(policy.onExit(61_000)).toBe(1000);
  });
});
