import { z } from 'zod';
import { ConfigError, env, parseEnv } from './config';

const schema = z.object({
  PORT: env.port(8080),
  GRPC_TLS: env.flag(true),
  BROKERS: env.list('127.0.0.1:9092'),
  APIV3_KEY: z.string().length(32, 'must be exactly 32 bytes'),
});

describe('parseEnv', () => {
  it('applies defaults and coerces values', () => {
    expect(
      parseEnv('svc', schema, { APIV3_KEY: 'k'.repeat(32), GRPC_TLS: 'off', BROKERS: 'a:1, b:2' }),
    ).toEqual({
      PORT: 8080,
      GRPC_TLS: false,
      BROKERS: ['a:1', 'b:2'],
      APIV3_KEY: 'k'.repeat(32),
    });
  });

  it('lists every problem with its variable name and never the secret value', () => {
    let error: ConfigError | undefined;
    try {
      parseEnv('svc', schema, { PORT: '70000', GRPC_TLS: 'maybe', APIV3_KEY: 'short-secret-value' });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems.map((p) => p.split(':')[0])).toEqual(['PORT', 'GRPC_TLS', 'APIV3_KEY']);
    expect(error!.message).toContain('APIV3_KEY: must be exactly 32 bytes');
    expect(error!.message).not.toContain('short-secret-value');
  });
});
