import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Topics } from '@wxpay/contracts';
import { Sm2PrivateKey } from '@wxpay/gm-crypto';
import {
  canonicalEventBytes,
  EventSigner,
  EventSigningConfigError,
  EventVerificationError,
  EventVerifier,
  eventSignerFromEnv,
  eventVerifierFromEnv,
  headerText,
  parseSignersFile,
  producersOfTopics,
  requiresEventSigning,
  SIGNATURE_HEADERS,
  type SignerKeys,
  type VerificationProblem,
} from './event-signing';

const TOPIC = 'payments.lifecycle.v1';
const OTHER_TOPIC = 'wechatpay.notifications.v1';
const VALUE = JSON.stringify({ id: 'e1', type: 'PaymentCaptured', payload: { amount: { minor: 100 } } });

const paymentOld = Sm2PrivateKey.generate();
const paymentNew = Sm2PrivateKey.generate();
const tokenization = Sm2PrivateKey.generate();

/** payment publishes both topics; tokenization publishes neither. */
const producersOf = producersOfTopics([
  { name: TOPIC, producers: ['payment'] },
  { name: OTHER_TOPIC, producers: ['payment'] },
]);

function signers(entries: Record<string, Record<string, Sm2PrivateKey>>): SignerKeys {
  return new Map(
    Object.entries(entries).map(([producer, keys]) => [
      producer,
      new Map(Object.entries(keys).map(([id, k]) => [id, k.publicKey])),
    ]),
  );
}

function refusal(verify: () => unknown): { problem: VerificationProblem; message: string } {
  try {
    verify();
  } catch (e) {
    if (e instanceof EventVerificationError) return { problem: e.problem, message: e.message };
    throw e;
  }
  throw new Error('the event was accepted');
}

describe('event signatures', () => {
  const verifier = new EventVerifier(
    signers({ payment: { 'payment-1': paymentOld }, tokenization: { 'tok-1': tokenization } }),
    producersOf,
  );
  const signer = new EventSigner('payment', 'payment-1', paymentOld);

  it('accepts an event signed by a producer of its topic, over the bytes as received', () => {
    const headers = signer.sign(TOPIC, 'pay-1', VALUE);
    expect(Object.keys(headers).sort()).toEqual(Object.values(SIGNATURE_HEADERS).sort());
    expect(verifier.verify(TOPIC, Buffer.from('pay-1'), Buffer.from(VALUE), headers)).toBe('payment');
  });

  it('refuses an unsigned event', () => {
    expect(refusal(() => verifier.verify(TOPIC, 'pay-1', VALUE, {})).problem).toBe('unsigned');
    const partial = { [SIGNATURE_HEADERS.signer]: 'payment', [SIGNATURE_HEADERS.keyId]: 'payment-1' };
    expect(refusal(() => verifier.verify(TOPIC, 'pay-1', VALUE, partial)).problem).toBe('unsigned');
  });

  it('refuses a changed value, key or topic (a genuine event replayed onto another topic)', () => {
    const headers = signer.sign(TOPIC, 'pay-1', VALUE);
    const changed = VALUE.replace('100', '900');
    expect(refusal(() => verifier.verify(TOPIC, 'pay-1', changed, headers)).problem).toBe('bad-signature');
    expect(refusal(() => verifier.verify(TOPIC, 'pay-2', VALUE, headers)).problem).toBe('bad-signature');
    expect(refusal(() => verifier.verify(TOPIC, null, VALUE, headers)).problem).toBe('bad-signature');
    // payment publishes the other topic too: only the topic in the signature tells the replay apart.
    expect(refusal(() => verifier.verify(OTHER_TOPIC, 'pay-1', VALUE, headers)).problem).toBe(
      'bad-signature',
    );
  });

  it('refuses a signature by a service that does not publish the topic, even with a listed key', () => {
    const headers = new EventSigner('tokenization', 'tok-1', tokenization).sign(TOPIC, 'pay-1', VALUE);
    const r = refusal(() => verifier.verify(TOPIC, 'pay-1', VALUE, headers));
    expect(r.problem).toBe('not-a-producer');
    expect(r.message).toContain('tokenization does not publish payments.lifecycle.v1');
  });

  it('refuses a producer claimed in the headers but signed with another key (someone else signing as payment)', () => {
    const forged = new EventSigner('payment', 'payment-1', tokenization).sign(TOPIC, 'pay-1', VALUE);
    expect(refusal(() => verifier.verify(TOPIC, 'pay-1', VALUE, forged)).problem).toBe('bad-signature');
  });

  it('refuses an unknown key id, an unlisted signer, a topic not in the table and a signature that is not DER', () => {
    const headers = signer.sign(TOPIC, 'pay-1', VALUE);
    const unknownKey = { ...headers, [SIGNATURE_HEADERS.keyId]: 'payment-9' };
    expect(refusal(() => verifier.verify(TOPIC, 'pay-1', VALUE, unknownKey)).problem).toBe('unknown-key');
    const onlyTokenization = new EventVerifier(
      signers({ tokenization: { 'tok-1': tokenization } }),
      producersOf,
    );
    expect(refusal(() => onlyTokenization.verify(TOPIC, 'pay-1', VALUE, headers)).problem).toBe(
      'unknown-signer',
    );
    expect(refusal(() => verifier.verify('elsewhere.v1', 'pay-1', VALUE, headers)).problem).toBe(
      'unknown-topic',
    );
    const garbage = { ...headers, [SIGNATURE_HEADERS.signature]: Buffer.from('nope').toString('base64') };
    expect(refusal(() => verifier.verify(TOPIC, 'pay-1', VALUE, garbage)).problem).toBe('bad-signature');
  });

  it('rotates keys: old and new accepted while both are listed, the removed one refused', () => {
    const oldSigned = signer.sign(TOPIC, 'pay-1', VALUE);
    const newSigned = new EventSigner('payment', 'payment-2', paymentNew).sign(TOPIC, 'pay-1', VALUE);
    const during = new EventVerifier(
      signers({ payment: { 'payment-1': paymentOld, 'payment-2': paymentNew } }),
      producersOf,
    );
    expect(during.verify(TOPIC, 'pay-1', VALUE, oldSigned)).toBe('payment');
    expect(during.verify(TOPIC, 'pay-1', VALUE, newSigned)).toBe('payment');
    const after = new EventVerifier(signers({ payment: { 'payment-2': paymentNew } }), producersOf);
    expect(after.verify(TOPIC, 'pay-1', VALUE, newSigned)).toBe('payment');
    expect(refusal(() => after.verify(TOPIC, 'pay-1', VALUE, oldSigned)).problem).toBe('unknown-key');
    // Relabelling an old signature with the new key id does not help.
    const relabelled = { ...oldSigned, [SIGNATURE_HEADERS.keyId]: 'payment-2' };
    expect(refusal(() => after.verify(TOPIC, 'pay-1', VALUE, relabelled)).problem).toBe('bad-signature');
  });

  it('tells every field apart in the signed bytes (no two messages share them)', () => {
    const a = canonicalEventBytes('payment', 'k', 'ab', 'c', 'v');
    expect(a.equals(canonicalEventBytes('payment', 'k', 'a', 'bc', 'v'))).toBe(false);
    expect(
      canonicalEventBytes('p', 'k', 't', null, 'v').equals(canonicalEventBytes('p', 'k', 't', '', 'v')),
    ).toBe(false);
  });

  it('reads Kafka headers as text and joins a repeated header, so two signatures never verify', () => {
    const headers = signer.sign(TOPIC, 'pay-1', VALUE);
    const raw = {
      [SIGNATURE_HEADERS.signer]: Buffer.from('payment'),
      [SIGNATURE_HEADERS.keyId]: Buffer.from('payment-1'),
      [SIGNATURE_HEADERS.signature]: [
        headers[SIGNATURE_HEADERS.signature]!,
        headers[SIGNATURE_HEADERS.signature]!,
      ],
      'event-id': undefined,
    };
    const text = headerText(raw);
    expect(text[SIGNATURE_HEADERS.signer]).toBe('payment');
    expect(refusal(() => verifier.verify(TOPIC, 'pay-1', VALUE, text)).problem).toBe('bad-signature');
    expect(
      verifier.verify(
        TOPIC,
        'pay-1',
        VALUE,
        headerText({ ...raw, [SIGNATURE_HEADERS.signature]: headers[SIGNATURE_HEADERS.signature] }),
      ),
    ).toBe('payment');
  });
});

describe('event signing configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'event-signing-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const problems = (f: () => unknown): string[] => {
    try {
      f();
    } catch (e) {
      if (e instanceof EventSigningConfigError) return [...e.problems];
      throw e;
    }
    throw new Error('accepted');
  };

  it('signs with a PEM or hex key file and is verified with the signers file (PEM or hex public keys)', () => {
    const signersFile = file(
      'signers.json',
      JSON.stringify({
        payment: [
          { keyId: 'p-pem', publicKey: paymentOld.publicKey.toPem() },
          { keyId: 'p-hex', publicKey: paymentNew.publicKey.toHex() },
        ],
      }),
    );
    const verifier = eventVerifierFromEnv({ EVENT_SIGNERS_FILE: signersFile });
    const topic = Topics.paymentsLifecycle.name;
    for (const [keyId, content] of [
      ['p-pem', paymentOld.toPem()],
      ['p-hex', paymentNew.toHex()],
    ] as const) {
      const signer = eventSignerFromEnv('payment', {
        EVENT_SIGNING_KEY_FILE: file(`${keyId}.key`, content),
        EVENT_SIGNING_KEY_ID: keyId,
      })!;
      expect(verifier.verify(topic, 'k', VALUE, signer.sign(topic, 'k', VALUE))).toBe('payment');
    }
  });

  it('has no signer without the variables, and names the missing one when only one is set', () => {
    expect(eventSignerFromEnv('payment', {})).toBeUndefined();
    expect(problems(() => eventSignerFromEnv('payment', { EVENT_SIGNING_KEY_ID: 'k1' }))).toEqual([
      'EVENT_SIGNING_KEY_FILE: required with EVENT_SIGNING_KEY_ID',
    ]);
    expect(problems(() => eventSignerFromEnv('payment', { EVENT_SIGNING_KEY_FILE: '/x' }))).toEqual([
      'EVENT_SIGNING_KEY_ID: required with EVENT_SIGNING_KEY_FILE',
    ]);
  });

  it('refuses an unreadable or malformed key without echoing it', () => {
    const secretish = 'ab'.repeat(31); // 62 hex digits: one byte short
    const bad = file('bad.key', secretish);
    const p = problems(() =>
      eventSignerFromEnv('payment', { EVENT_SIGNING_KEY_FILE: bad, EVENT_SIGNING_KEY_ID: 'k1' }),
    );
    expect(p).toEqual(['EVENT_SIGNING_KEY_FILE: not an SM2 private key (PKCS#8 PEM or 64 hex digits)']);
    expect(p.join()).not.toContain(secretish);
    expect(
      problems(() =>
        eventSignerFromEnv('payment', {
          EVENT_SIGNING_KEY_FILE: join(dir, 'missing.key'),
          EVENT_SIGNING_KEY_ID: 'k1',
        }),
      ),
    ).toEqual(['EVENT_SIGNING_KEY_FILE: cannot read the file (ENOENT)']);
    expect(
      problems(() =>
        eventSignerFromEnv('payment', { EVENT_SIGNING_KEY_FILE: bad, EVENT_SIGNING_KEY_ID: 'a b' }),
      ),
    ).toEqual(['EVENT_SIGNING_KEY_ID: must be 1-64 of A-Z a-z 0-9 . _ : -']);
  });

  it('requires the signers file to consume, and names each problem in it without echoing a key', () => {
    expect(problems(() => eventVerifierFromEnv({}))).toEqual([
      "EVENT_SIGNERS_FILE: required by a service that consumes events (the producers' public keys)",
    ]);
    expect(problems(() => parseSignersFile('{'))).toEqual(['EVENT_SIGNERS_FILE: not JSON']);
    const notAKey = '04' + 'ff'.repeat(64);
    const p = problems(() =>
      parseSignersFile(
        JSON.stringify({
          payment: [
            { keyId: 'k1', publicKey: notAKey },
            { keyId: 'k1', publicKey: paymentOld.publicKey.toHex() },
          ],
          risk: [],
        }),
      ),
    );
    expect(p).toEqual(['EVENT_SIGNERS_FILE: risk: must list at least one key']);
    const q = problems(() =>
      parseSignersFile(
        JSON.stringify({
          payment: [
            { keyId: 'k1', publicKey: notAKey },
            { keyId: 'k1', publicKey: paymentOld.publicKey.toHex() },
          ],
        }),
      ),
    );
    expect(q).toEqual([
      'EVENT_SIGNERS_FILE: payment.0.publicKey: not an SM2 public key (SPKI PEM or SEC1 hex)',
      'EVENT_SIGNERS_FILE: payment.1.keyId: k1 is listed twice',
    ]);
    expect(q.join()).not.toContain(notAKey);
  });

  it('requires a signature from the services whose topics are consumed, from the topic table', () => {
    expect(requiresEventSigning('payment')).toBe(true);
    expect(requiresEventSigning('tokenization')).toBe(true);
    expect(requiresEventSigning('card-system')).toBe(true);
    // risk's decisions and alerts, repayment's lifecycle: nobody consumes them yet.
    expect(requiresEventSigning('risk')).toBe(false);
    expect(requiresEventSigning('repayment')).toBe(false);
  });
});
