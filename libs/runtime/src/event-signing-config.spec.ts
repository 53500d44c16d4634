import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Sm2PrivateKey } from '@wxpay/gm-crypto';
import { ConfigError } from './config';
import { eventSignerForService, eventVerifierForService } from './event-signing-config';

describe('event signing configuration of a service', () => {
  const dir = mkdtempSync(join(tmpdir(), 'event-signing-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const keyFile = join(dir, 'payment.key.pem');
  writeFileSync(keyFile, Sm2PrivateKey.generate().toPem());

  const problems = (f: () => unknown): string[] => {
    try {
      f();
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    throw new Error('accepted');
  };

  it('refuses to start a service whose events are consumed without a key, in production only', () => {
    expect(problems(() => eventSignerForService('payment', { GATEWAY_ENV: 'production' }))[0]).toMatch(
      /^EVENT_SIGNING_KEY_FILE: payment's events are consumed by services that refuse unsigned ones/,
    );
    expect(eventSignerForService('payment', { GATEWAY_ENV: 'development' })).toBeUndefined();
    // Nobody consumes risk's topics yet: a key is optional.
    expect(eventSignerForService('risk', { GATEWAY_ENV: 'production' })).toBeUndefined();
  });

  it('signs as the service with its key, and reports a bad setting as a ConfigError naming the variable', () => {
    const signer = eventSignerForService('payment', {
      EVENT_SIGNING_KEY_FILE: keyFile,
      EVENT_SIGNING_KEY_ID: 'payment-1',
    });
    expect(signer?.signer).toBe('payment');
    expect(signer?.keyId).toBe('payment-1');
    expect(problems(() => eventSignerForService('payment', { EVENT_SIGNING_KEY_FILE: keyFile }))).toEqual([
      'EVENT_SIGNING_KEY_ID: required with EVENT_SIGNING_KEY_FILE',
    ]);
  });

  it('has no way to consume without the signers file, in any environment', () => {
    for (const GATEWAY_ENV of ['production', 'development']) {
      expect(problems(() => eventVerifierForService('repayment', { GATEWAY_ENV }))).toEqual([
        "EVENT_SIGNERS_FILE: required by a service that consumes events (the producers' public keys)",
      ]);
    }
  });
});
