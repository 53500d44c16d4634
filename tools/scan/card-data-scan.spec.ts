import { randomBytes, randomUUID } from 'crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { luhnValid } from '@wxpay/card';
import { uniqueTestPan } from '@wxpay/testing';
import { clearExpiry, inspect } from './card-data-scan';
import { knownSecrets } from './secret-material';

describe('card-data scan', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'scan-data-'));
  const apiV3Key = randomBytes(16).toString('hex');
  const share = randomBytes(16).toString('hex');
  const pemBody = randomBytes(96).toString('base64');
  mkdirSync(join(dataDir, 'wechatpay-sim', 'merchant'), { recursive: true });
  mkdirSync(join(dataDir, 'tokenization', 'keys'), { recursive: true });
  mkdirSync(join(dataDir, 'pki'), { recursive: true });
  writeFileSync(join(dataDir, 'wechatpay-sim', 'merchant', 'apiv3.key'), `${apiV3Key}\n`);
  writeFileSync(join(dataDir, 'wechatpay-sim', 'merchant', 'apiclient_cert.pem'), 'public, not a secret');
  writeFileSync(
    join(dataDir, 'tokenization', 'keys', 'kek-v1.share1'),
    `# comment\nkey=kek-v1\nshare=1\nvalue=${share}\ncheck=ABC123\n`,
  );
  writeFileSync(
    join(dataDir, 'pki', 'payment.key'),
    `-----BEGIN PRIVATE KEY-----\n${pemBody.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`,
  );
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('knows the secrets in .data by their values, not their comments, names or certificates', () => {
    const secrets = knownSecrets(dataDir);
    expect(secrets.map((s) => s.source.slice(dataDir.length)).sort()).toEqual([
      '/pki/payment.key',
      '/tokenization/keys/kek-v1.share1',
      '/wechatpay-sim/merchant/apiv3.key',
    ]);
    expect(secrets.find((s) => s.source.endsWith('share1'))!.needles).toEqual([share]);
  });

  it('reports a card number (masked) and any piece of a secret, and nothing in clean text', () => {
    const secrets = knownSecrets(dataDir);
    const pan = uniqueTestPan('622202', 16);
    const [card] = inspect(`{"note":"card ${pan}"}`, secrets);
    expect(card).toContain(`${pan.slice(0, 6)}******${pan.slice(-4)}`);
    expect(card).not.toContain(pan);
    expect(inspect(`{"apiV3Key":"${apiV3Key}"}`, secrets)).toEqual([expect.stringMatching(/apiv3\.key$/)]);
    expect(inspect(`key share ${share} logged`, secrets)).toHaveLength(1);
    expect(inspect(`pem ${pemBody.slice(0, 64).replace(/\n/g, '')}`, secrets)).toEqual([
      expect.stringMatching(/payment\.key$/),
    ]);
    // Epoch milliseconds (the broker's log) are timestamps, whichever of them pass Luhn; a 13-digit Visa is not.
    const luhnValidNow = Array.from({ length: 40 }, (_, i) => String(Date.now() - i)).filter((t) =>
      luhnValid(t),
    );
    expect(luhnValidNow.length).toBeGreaterThan(0);
    expect(inspect(`lastModifiedTime=${luhnValidNow[0]}, largestRecordTimestamp`, secrets)).toEqual([]);
    expect(inspect(`card ${uniqueTestPan('4', 13)}`, secrets)).toHaveLength(1);
    // A UUID's digit groups are not a card number written out, whatever they spell (pan-in-text.spec tries 20,000).
    expect(inspect(`{"appid":"wx8888888888888888","id":"${randomUUID()}"}`, secrets)).toEqual([]);
  });

  it('reports an expiry in a clear column of the gateway, not in the issuer simulator of record', () => {
    expect(clearExpiry('wxpay_tokenization', 'expiry_month', '07')).toBe('card expiry in a clear column');
    expect(clearExpiry('wxpay_payment', 'card_expiry', '3107')).toBeDefined();
    expect(clearExpiry('wxpay_tokenization', 'expiry_month', '')).toBeUndefined();
    expect(clearExpiry('wxpay_tokenization', 'last4', '1234')).toBeUndefined();
    expect(clearExpiry('wxpay_unionpay_sim', 'expiry', '3107')).toBeUndefined();
  });
});
