import { ConfigError } from './config';
import { DevSwitches, gatewayEnvOf, refuseDevSwitches } from './gateway-env';

const switches = [
  DevSwitches.plaintextGrpc,
  DevSwitches.plaintextKafka,
  DevSwitches.flag('X_DEV_KEYS', 'generated keys'),
  DevSwitches.unset('X_ADMIN_TOKEN', 'admin without a token'),
  DevSwitches.set('X_DEV_BUNDLE', 'dev bundle'),
];
const safe = { X_ADMIN_TOKEN: 'a-token-of-enough-length' };

function refusal(env: NodeJS.ProcessEnv): ConfigError | undefined {
  try {
    refuseDevSwitches('svc', switches, env);
    return undefined;
  } catch (e) {
    return e as ConfigError;
  }
}

describe('GATEWAY_ENV', () => {
  it('is production unless set to development, and refuses anything else', () => {
    expect(gatewayEnvOf({})).toBe('production');
    expect(gatewayEnvOf({ GATEWAY_ENV: '' })).toBe('production');
    expect(gatewayEnvOf({ GATEWAY_ENV: 'development' })).toBe('development');
    expect(() => gatewayEnvOf({ GATEWAY_ENV: 'dev' })).toThrow(
      'GATEWAY_ENV: must be production or development',
    );
  });

  it('starts a production service whose switches are all off', () => {
    expect(refusal({ ...safe, GRPC_TLS: 'on', X_DEV_KEYS: 'off' })).toBeUndefined();
    expect(refusal({ ...safe, KAFKA_SECURITY_PROTOCOL: 'SSL' })).toBeUndefined();
    expect(refusal({ ...safe, KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' })).toBeUndefined();
  });

  it.each([
    ['GRPC_TLS', { GRPC_TLS: 'off' }],
    ['GRPC_TLS', { GRPC_TLS: 'FALSE' }],
    ['KAFKA_SECURITY_PROTOCOL', { KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' }],
    ['KAFKA_SECURITY_PROTOCOL', { KAFKA_SECURITY_PROTOCOL: 'plaintext' }],
    ['X_DEV_KEYS', { X_DEV_KEYS: 'on' }],
    ['X_DEV_KEYS', { X_DEV_KEYS: '1' }],
    ['X_ADMIN_TOKEN', { X_ADMIN_TOKEN: undefined }],
    ['X_ADMIN_TOKEN', { X_ADMIN_TOKEN: '' }],
    ['X_DEV_BUNDLE', { X_DEV_BUNDLE: '/secret/path/bundle.json' }],
  ])('refuses %s in production, naming it and not its value', (variable, change) => {
    const error = refusal({ ...safe, ...change });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toHaveLength(2);
    expect(error!.problems[0]).toMatch(new RegExp(`^${variable}: .*\\(a development switch\\)$`));
    expect(error!.problems[1]).toMatch(/^GATEWAY_ENV: production \(the default\) refuses/);
    expect(error!.message).not.toContain('/secret/path');
  });

  it('names every switch that is on at once', () => {
    const error = refusal({ GRPC_TLS: 'off', X_DEV_KEYS: 'on', X_DEV_BUNDLE: 'b' });
    expect(error!.problems.map((p) => p.split(':')[0])).toEqual([
      'GRPC_TLS',
      'X_DEV_KEYS',
      'X_ADMIN_TOKEN',
      'X_DEV_BUNDLE',
      'GATEWAY_ENV',
    ]);
  });

  it('lets every switch on in development', () => {
    expect(
      refusal({ GATEWAY_ENV: 'development', GRPC_TLS: 'off', X_DEV_KEYS: 'on', X_DEV_BUNDLE: 'b' }),
    ).toBeUndefined();
  });
});
