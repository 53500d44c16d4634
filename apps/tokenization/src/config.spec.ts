import { Topics } from '@wxpay/contracts';
import { ConfigError } from '@wxpay/runtime';
import { loadConfig } from './config';

describe('tokenization configuration', () => {
  it("defaults to TLS and production key rules (who may detokenize is the controller's caller table)", () => {
    const c = loadConfig({});
    expect(c.grpc).toEqual({ host: '127.0.0.1', port: 50052, tls: true });
    expect(c.keys).toMatchObject({ devGenerate: false, kekVersions: [1], currentKekVersion: 1 });
    expect(c.allowPlaintextDetokenize).toBe(false);
    expect(c.eventsTopic).toBe(Topics.cardsLifecycle.name);
  });

  it('makes the highest fingerprint key version current unless told otherwise, and one of those loaded', () => {
    expect(loadConfig({ TOKENIZATION_FINGERPRINT_VERSIONS: '2,1' }).keys).toMatchObject({
      fingerprintVersions: [1, 2],
      currentFingerprintVersion: 2,
    });
    expect(() =>
      loadConfig({ TOKENIZATION_FINGERPRINT_VERSIONS: '1,2', TOKENIZATION_FINGERPRINT_CURRENT: '3' }),
    ).toThrow(/TOKENIZATION_FINGERPRINT_CURRENT: must be one of TOKENIZATION_FINGERPRINT_VERSIONS/);
  });

  it('makes the highest KEK version current unless told otherwise', () => {
    expect(loadConfig({ TOKENIZATION_KEK_VERSIONS: '2, 1' }).keys).toMatchObject({
      kekVersions: [1, 2],
      currentKekVersion: 2,
    });
    expect(
      loadConfig({ TOKENIZATION_KEK_VERSIONS: '1,2', TOKENIZATION_KEK_CURRENT: '1' }).keys.currentKekVersion,
    ).toBe(1);
  });

  it('refuses dev keys, plaintext gRPC and plaintext detokenize in production (the default)', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({
        GRPC_TLS: 'off',
        TOKENIZATION_DEV_KEYS: 'on',
        TOKENIZATION_ALLOW_PLAINTEXT_DETOKENIZE: 'on',
      });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error?.problems.map((p) => p.split(':')[0])).toEqual([
      'GRPC_TLS',
      'TOKENIZATION_DEV_KEYS',
      'TOKENIZATION_ALLOW_PLAINTEXT_DETOKENIZE',
      'GATEWAY_ENV',
    ]);
  });

  it('lists every problem, including plaintext detokenize without dev keys in development', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({
        GATEWAY_ENV: 'development',
        TOKENIZATION_KEK_VERSIONS: '1,x',
        TOKENIZATION_ALLOW_PLAINTEXT_DETOKENIZE: 'on',
      });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error?.problems.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['TOKENIZATION_KEK_VERSIONS.1']),
    );
    try {
      loadConfig({
        GATEWAY_ENV: 'development',
        TOKENIZATION_KEK_VERSIONS: '1',
        TOKENIZATION_KEK_CURRENT: '3',
        TOKENIZATION_ALLOW_PLAINTEXT_DETOKENIZE: 'on',
      });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error?.problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'TOKENIZATION_ALLOW_PLAINTEXT_DETOKENIZE',
      'TOKENIZATION_KEK_CURRENT',
    ]);
  });
});
