import {
  PlatformCertificateRefresher,
  WechatPayConfigError,
  WechatPayKeyStore,
  createSelfSignedCertificate,
  type PlatformCertificate,
} from '../src';
import { X509Certificate } from 'node:crypto';
import { PUBLIC_KEY_ID, rsaPair } from './fixtures';

const DAY = 24 * 3600 * 1000;
const T0 = Date.parse('2025-01-01T00:00:00Z');
const pair = rsaPair();

function cert(notBefore: number, notAfter: number): PlatformCertificate {
  const c = createSelfSignedCertificate({
    commonName: 'p',
    ...pair,
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
  });
  return { serial: c.serial, certificate: new X509Certificate(c.pem), pem: c.pem };
}

describe('WechatPayKeyStore', () => {
  it('refuses a public key id without the PUB_KEY_ID_ prefix and unreadable PEMs', () => {
    const store = new WechatPayKeyStore();
    expect(() => store.addPublicKey('0114232134912410000000000000', pair.publicKey)).toThrow(
      WechatPayConfigError,
    );
    expect(() => store.addPublicKey(PUBLIC_KEY_ID, 'not a pem')).toThrow(WechatPayConfigError);
    expect(() => store.addPlatformCertificate('not a pem')).toThrow(WechatPayConfigError);
  });

  it('does not use a certificate outside its validity, and prunes expired ones', () => {
    const store = new WechatPayKeyStore();
    const old = cert(T0 - 10 * DAY, T0 + DAY);
    store.addPlatformCertificate(old.certificate);
    expect(store.find(old.serial, T0)).toBeDefined();
    expect(store.find(old.serial, T0 + 2 * DAY)).toBeUndefined();
    expect(store.pruneExpired(T0 + 2 * DAY)).toEqual([old.serial]);
    expect(store.has(old.serial)).toBe(false);
  });

  it('finds a certificate by its serial as a number: case and leading zeros do not count', () => {
    const store = new WechatPayKeyStore();
    const c = createSelfSignedCertificate({
      commonName: 'p',
      ...pair,
      notBefore: new Date(T0 - DAY),
      notAfter: new Date(T0 + DAY),
      serialHex: '0A1B2C3D4E5F60718293A4B5C6D7E8F901234567',
    });
    const added = store.addPlatformCertificate(new X509Certificate(c.pem));
    // As the official Java SDK prints it (BigInteger.toString(16)): no leading zero, lower case.
    expect(store.find('a1b2c3d4e5f60718293a4b5c6d7e8f901234567', T0)).toBe(added);
    expect(store.find('0A1B2C3D4E5F60718293A4B5C6D7E8F901234567', T0)).toBe(added);
    expect(store.find('A1B2C3D4E5F60718293A4B5C6D7E8F90123456', T0)).toBeUndefined();
    // What we announce is the certificate's own serial, as WeChat Pay lists it.
    expect(store.preferred(T0)?.serial).toBe('0A1B2C3D4E5F60718293A4B5C6D7E8F901234567');
  });

  it('prefers the public key, else the newest valid certificate', () => {
    const store = new WechatPayKeyStore();
    const older = cert(T0 - 10 * DAY, T0 + 100 * DAY);
    const newer = cert(T0 - DAY, T0 + 200 * DAY);
    const future = cert(T0 + DAY, T0 + 300 * DAY); // listed 24 h before use
    for (const c of [older, newer, future]) store.addPlatformCertificate(c.certificate);
    expect(store.preferred(T0)?.serial).toBe(newer.serial);
    store.addPublicKey(PUBLIC_KEY_ID, pair.publicKey);
    expect(store.preferred(T0)?.serial).toBe(PUBLIC_KEY_ID);
  });
});

describe('PlatformCertificateRefresher', () => {
  it('adds new certificates and keeps old ones until they expire', async () => {
    let now = T0;
    const store = new WechatPayKeyStore();
    const old = cert(T0 - 10 * DAY, T0 + 2 * DAY);
    const next = cert(T0 + DAY, T0 + 1000 * DAY);
    store.addPlatformCertificate(old.certificate);
    const refresher = new PlatformCertificateRefresher({
      download: async () => [next],
      keyStore: store,
      clock: () => now,
    });

    await expect(refresher.refreshNow()).resolves.toEqual({ added: [next.serial], expired: [] });
    expect(store.has(old.serial) && store.has(next.serial)).toBe(true);

    now = T0 + 3 * DAY;
    await expect(refresher.refreshNow()).resolves.toEqual({ added: [], expired: [old.serial] });
    expect(store.entries().map((e) => e.serial)).toEqual([next.serial]);
  });

  it('rate-limits refreshes for unknown serials and shares one download between concurrent callers', async () => {
    let now = T0;
    const download = jest.fn(async () => [] as PlatformCertificate[]);
    const refresher = new PlatformCertificateRefresher({
      download,
      keyStore: new WechatPayKeyStore(),
      clock: () => now,
      minOnDemandGapMs: 60_000,
    });
    const answers = await Promise.all([1, 2, 3].map(() => refresher.refreshForUnknownSerial('ABCDEF')));
    expect(answers).toEqual([false, false, false]);
    expect(download).toHaveBeenCalledTimes(1);
    await refresher.refreshForUnknownSerial('ABCDEF');
    expect(download).toHaveBeenCalledTimes(1); // within the gap: no call to WeChat
    now += 60_000;
    await refresher.refreshForUnknownSerial('ABCDEF');
    expect(download).toHaveBeenCalledTimes(2);
  });

  it('reports download failures to onError and answers false', async () => {
    const onError = jest.fn();
    const refresher = new PlatformCertificateRefresher({
      download: async () => {
        throw new Error('404 RESOURCE_NOT_EXISTS');
      },
      keyStore: new WechatPayKeyStore(),
      onError,
    });
    await expect(refresher.refreshForUnknownSerial('AB')).resolves.toBe(false);
    expect(onError).toHaveBeenCalledTimes(1);
  });
});
