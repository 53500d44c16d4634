import { ConfigError } from './config';
import { shutdownSettingsFromEnv } from './shutdown';

describe('shutdownSettingsFromEnv', () => {
  it('drains for a few seconds in production and not at all in development', () => {
    expect(shutdownSettingsFromEnv({})).toEqual({ drainMs: 5_000, grpcGraceMs: 10_000, timeoutMs: 25_000 });
    expect(shutdownSettingsFromEnv({ GATEWAY_ENV: 'development' }).drainMs).toBe(0);
  });

  it('takes whole milliseconds, 0 for no drain; an empty value counts as unset', () => {
    expect(
      shutdownSettingsFromEnv({
        SHUTDOWN_DRAIN_MS: '0',
        SHUTDOWN_GRPC_GRACE_MS: '',
        SHUTDOWN_TIMEOUT_MS: '12000',
      }),
    ).toEqual({ drainMs: 0, grpcGraceMs: 10_000, timeoutMs: 12_000 });
  });

  it('names each variable it refuses', () => {
    const error = (() => {
      try {
        shutdownSettingsFromEnv({ SHUTDOWN_DRAIN_MS: '-1', SHUTDOWN_GRPC_GRACE_MS: '1.5' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(/^SHUTDOWN_DRAIN_MS: /),
      expect.stringMatching(/^SHUTDOWN_GRPC_GRACE_MS: /),
    ]);
  });

  it('refuses a bound that leaves the drain and the gRPC grace no room', () => {
    expect(() =>
      shutdownSettingsFromEnv({
        SHUTDOWN_DRAIN_MS: '5000',
        SHUTDOWN_GRPC_GRACE_MS: '10000',
        SHUTDOWN_TIMEOUT_MS: '15000',
      }),
    ).toThrow(/SHUTDOWN_TIMEOUT_MS: must be more than SHUTDOWN_DRAIN_MS \+ SHUTDOWN_GRPC_GRACE_MS/);
  });
});
