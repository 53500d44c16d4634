import { status } from '@grpc/grpc-js';
import { fieldOf, reasonOf } from '@wxpay/grpc';
import {
  createForeignCa,
  eventually,
  issueCertificate,
  readPublishedEvents,
  readTopic,
  uniqueName,
} from '@wxpay/testing';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { card, idempotencyKey, randomPan } from './support/cards';
import { VaultHarness, type VaultClient } from './support/vault-harness';

jest.setTimeout(90_000);

describe('TokenVault over gRPC with mutual TLS (real PostgreSQL, Kafka)', () => {
  let h: VaultHarness;
  let channel: VaultClient;
  let payment: VaultClient;
  let risk: VaultClient;

  beforeAll(async () => {
    h = await VaultHarness.create('vault_grpc');
    await h.start();
    channel = h.client('channel');
    payment = h.client('payment');
    risk = h.client('risk');
  });
  afterAll(() => h.close());

  it('tokenizes and detokenizes a card round trip, showing only the masked view elsewhere', async () => {
    const pan = randomPan();
    const res = await channel.tokenize({ ...card(uniqueName('ch')), pan, cvn2: '123' });
    expect(res.created).toBe(true);
    expect(res.token).toMatch(/^tok_[a-z2-7]{26}$/);
    expect(res.card).toMatchObject({
      bin: pan.slice(0, 6),
      last4: pan.slice(-4),
      masked_pan: `${pan.slice(0, 6)}******${pan.slice(-4)}`,
      brand: 'UNIONPAY',
      issuer: 'China Merchants Bank',
      status: 'ACTIVE',
      // Sealed with the number: only Detokenize gives the expiry, and no column holds it in clear.
      expiry_month: '',
      expiry_year: '',
    });
    expect(await payment.detokenize(res.token)).toEqual({ pan, expiry_month: '12', expiry_year: '2030' });
    expect(await h.count('card', `token = '${res.token}' AND envelope = 2 AND expiry_month IS NULL`)).toBe(1);
    expect(await risk.call('GetCard', { token: res.token })).toEqual(res.card);
  });

  it('gives the same card of the same cardholder the same token, also under concurrency', async () => {
    const cardholder = uniqueName('ch');
    const pan = randomPan();
    const first = await channel.tokenize(card(cardholder, pan));
    const again = await channel.tokenize(card(cardholder, pan));
    expect(again).toMatchObject({ token: first.token, created: false });
    // Another cardholder binding the same card gets its own token.
    const other = await channel.tokenize(card(uniqueName('ch'), pan));
    expect(other.token).not.toBe(first.token);

    const racePan = randomPan();
    const raceHolder = uniqueName('ch');
    const clients = [channel, h.client('channel'), h.client('channel'), h.client('channel')];
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => clients[i % clients.length]!.tokenize(card(raceHolder, racePan))),
    );
    expect(new Set(results.map((r) => r.token)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await h.count('card', `cardholder_ref = '${raceHolder}'`)).toBe(1);
    expect(await h.count('card_fingerprint', `cardholder_ref = '${raceHolder}'`)).toBe(1);
  });

  it('keeps the token of a reissued card and takes its later expiry', async () => {
    const cardholder = uniqueName('ch');
    const pan = randomPan();
    const first = await channel.tokenize(card(cardholder, pan, { expiry_year: '2029' }));
    const reissued = await channel.tokenize(
      card(cardholder, pan, { expiry_year: '2032', expiry_month: '03' }),
    );
    expect(reissued).toMatchObject({ token: first.token, created: false });
    expect(await payment.detokenize(first.token)).toEqual({ pan, expiry_month: '03', expiry_year: '2032' });
    // An earlier expiry (an old card presented again) leaves the later one in place.
    await channel.tokenize(card(cardholder, pan, { expiry_year: '2030' }));
    expect(await payment.detokenize(first.token)).toEqual({ pan, expiry_month: '03', expiry_year: '2032' });
  });

  it('lets only payment and repayment detokenize; others get PERMISSION_DENIED', async () => {
    const { token } = await channel.tokenize(card(uniqueName('ch')));
    expect((await h.client('repayment').detokenize(token)).pan).toHaveLength(16);
    const denied = await risk.failure(risk.detokenize(token));
    expect(denied.code).toBe(status.PERMISSION_DENIED);
    expect(reasonOf(denied)).toBe('CALLER_NOT_ALLOWED');
    expect(denied.details).toContain("not open to 'risk'");
    // The same client may still read the masked view.
    expect(await risk.call('GetCard', { token })).toMatchObject({ token });
  });

  it('refuses a client whose certificate comes from another CA (even with an allow-listed name)', async () => {
    const foreignDir = mkdtempSync(join(tmpdir(), 'vault-foreign-'));
    try {
      const ca = await createForeignCa(foreignDir);
      await issueCertificate({ dir: foreignDir, name: 'payment', ca });
      const intruder = h.client(h.tls('payment', foreignDir, h.pkiDir));
      const err = await intruder.failure(intruder.detokenize('tok_aaaaaaaaaaaaaaaaaaaaaaaaaa'));
      expect(err.code).toBe(status.UNAVAILABLE);
      const plain = h.client({ enabled: false });
      expect(
        (await plain.failure(plain.call('GetCard', { token: 'tok_aaaaaaaaaaaaaaaaaaaaaaaaaa' }))).code,
      ).toBe(status.UNAVAILABLE);
    } finally {
      rmSync(foreignDir, { recursive: true, force: true });
    }
  });

  it('refuses invalid cards naming the field, and stores nothing', async () => {
    const before = {
      cards: await h.count('card'),
      fingerprints: await h.count('card_fingerprint'),
      keys: await h.count('idempotency_record'),
    };
    const pan = randomPan();
    const badLuhn = `${pan.slice(0, -1)}${(Number(pan.slice(-1)) + 1) % 10}`;
    const cases: [Record<string, string>, string, string][] = [
      [{ pan: badLuhn }, 'pan', 'pan: fails the Luhn check'],
      [{ pan: randomPan('622588', 17) }, 'pan', 'pan: a UNIONPAY card number has 16 digits'],
      [{ pan: randomPan('4', 15) }, 'pan', 'pan: a VISA card number has 13, 16, 19 digits'],
      [
        { expiry_month: '01', expiry_year: '2020' },
        'expiry_year',
        'expiry_year: the card has expired (valid through its month end, UTC+8)',
      ],
      [{ cardholder_ref: '' }, 'cardholder_ref', 'cardholder_ref: is required'],
      [{ cvn2: '12' }, 'cvn2', 'cvn2: must be 3 digits for a UNIONPAY card'],
      [{ idempotency_key: '' }, 'idempotency_key', 'idempotency_key: is required'],
    ];
    for (const [over, field, details] of cases) {
      const err = await channel.failure(channel.tokenize({ ...card(uniqueName('ch')), ...over }));
      expect({ code: err.code, field: fieldOf(err), details: err.details }).toEqual({
        code: status.INVALID_ARGUMENT,
        field,
        details,
      });
      expect(err.details).not.toContain(badLuhn);
    }
    expect({
      cards: await h.count('card'),
      fingerprints: await h.count('card_fingerprint'),
      keys: await h.count('idempotency_record'),
    }).toEqual(before);
  });

  it('replays the first answer for a repeated idempotency key and refuses it for another request', async () => {
    const cardholder = uniqueName('ch');
    const req = card(cardholder);
    const first = await channel.tokenize(req);
    const replay = await channel.tokenize(req);
    expect(replay).toEqual(first);
    const conflict = await channel.failure(channel.tokenize({ ...req, pan: randomPan() }));
    expect(conflict.code).toBe(status.ALREADY_EXISTS);
    expect(reasonOf(conflict)).toBe('IDEMPOTENCY_CONFLICT');
    expect(fieldOf(conflict)).toBe('idempotency_key');
    // Keys are per caller: another caller may use the same key for its own request.
    const other = await channel.tokenize(card(uniqueName('ch')));
    const shared = idempotencyKey('shared');
    expect((await channel.status('SuspendToken', other.token, shared, 'lost phone')).status).toBe(
      'SUSPENDED',
    );
    const theirs = await h.client('console').status('SuspendToken', other.token, shared, 'under review');
    expect(theirs.status).toBe('SUSPENDED');

    // Concurrent duplicates of a status change: one change, one event, every caller the same answer.
    const key = idempotencyKey('suspend');
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => channel.status('SuspendToken', first.token, key, 'lost phone')),
    );
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]!.status).toBe('SUSPENDED');
    const resumed = await channel.failure(channel.status('ResumeToken', first.token, key, 'lost phone'));
    expect(reasonOf(resumed)).toBe('IDEMPOTENCY_CONFLICT');
    await eventually(
      async () => (await h.count('outbox_event', `message_key = '${first.token}'`)) === 0,
      'the token’s events all published',
    );
    const published = await readPublishedEvents(h.topic, first.token);
    expect(published.filter((e) => e.type === 'CardSuspended')).toHaveLength(1);
  });

  it('suspends, resumes and deletes, with detokenize following at once', async () => {
    const cardholder = uniqueName('ch');
    const pan = randomPan();
    const { token } = await channel.tokenize(card(cardholder, pan));
    expect((await channel.status('SuspendToken', token, idempotencyKey(), 'risk alert')).status).toBe(
      'SUSPENDED',
    );
    const suspended = await payment.failure(payment.detokenize(token));
    expect([suspended.code, reasonOf(suspended)]).toEqual([status.FAILED_PRECONDITION, 'TOKEN_SUSPENDED']);
    expect((await channel.status('SuspendToken', token, idempotencyKey())).status).toBe('SUSPENDED');
    expect((await channel.status('ResumeToken', token, idempotencyKey(), 'cleared')).status).toBe('ACTIVE');
    expect((await payment.detokenize(token)).pan).toBe(pan);

    const deleted = await channel.status('DeleteToken', token, idempotencyKey(), 'unbound by cardholder');
    expect(deleted).toMatchObject({ status: 'DELETED', last4: pan.slice(-4) });
    const gone = await payment.failure(payment.detokenize(token));
    expect([gone.code, reasonOf(gone)]).toEqual([status.FAILED_PRECONDITION, 'TOKEN_DELETED']);
    expect(await h.count('card', `token = '${token}' AND pan_sealed IS NULL AND dek_sealed IS NULL`)).toBe(1);
    const resume = await channel.failure(channel.status('ResumeToken', token, idempotencyKey()));
    expect(reasonOf(resume)).toBe('TOKEN_DELETED');
    // The card number was erased with its fingerprint: binding it again makes a new token.
    const rebound = await channel.tokenize(card(cardholder, pan));
    expect(rebound).toMatchObject({ created: true });
    expect(rebound.token).not.toBe(token);

    const operations = h.client('console');
    const listed = await operations.call<{ cards: { token: string; status: string }[] }>('ListTokens', {
      cardholder_ref: cardholder,
    });
    expect(listed.cards.map((c) => c.token)).toEqual([rebound.token]);
    const all = await operations.call<{ cards: { token: string; status: string }[] }>('ListTokens', {
      cardholder_ref: cardholder,
      include_deleted: true,
    });
    expect(all.cards.map((c) => [c.token, c.status])).toEqual([
      [token, 'DELETED'],
      [rebound.token, 'ACTIVE'],
    ]);
    const missing = await payment.failure(
      payment.call('GetCard', { token: 'tok_aaaaaaaaaaaaaaaaaaaaaaaaaa' }),
    );
    expect(missing.code).toBe(status.NOT_FOUND);

    // Each change went out on the lifecycle topic, keyed by the token, with what may be shown of the card.
    const ours = (value: string | null) =>
      (JSON.parse(value ?? '{}') as { aggregateId?: string }).aggregateId === token;
    const messages = await readTopic(h.topic, {
      until: (m) => m.filter((x) => ours(x.value)).length >= 4,
      timeoutMs: 15_000,
    });
    const events = messages
      .filter((m) => ours(m.value))
      .map((m) => JSON.parse(m.value!) as { type: string; payload: Record<string, unknown> });
    expect(events.map((e) => [e.type, e.payload.status, e.payload.reason])).toEqual([
      ['CardTokenized', 'ACTIVE', undefined],
      ['CardSuspended', 'SUSPENDED', 'risk alert'],
      ['CardResumed', 'ACTIVE', 'cleared'],
      ['CardDeleted', 'DELETED', 'unbound by cardholder'],
    ]);
    expect(events[0]!.payload).toEqual({
      cardToken: token,
      cardholderRef: cardholder,
      bin: pan.slice(0, 6),
      last4: pan.slice(-4),
      brand: 'UNIONPAY',
      status: 'ACTIVE',
    });
  });

  it('refuses detokenize on a plaintext server unless the development flag is on', async () => {
    await h.start({ GRPC_TLS: 'off' });
    const plain = h.client({ enabled: false });
    const { token } = await plain.tokenize(card(uniqueName('ch')));
    const refused = await plain.failure(plain.detokenize(token));
    expect([refused.code, reasonOf(refused)]).toEqual([
      status.PERMISSION_DENIED,
      'PLAINTEXT_DETOKENIZE_REFUSED',
    ]);
    await h.start({ GRPC_TLS: 'off', TOKENIZATION_ALLOW_PLAINTEXT_DETOKENIZE: 'on' });
    expect((await h.client({ enabled: false }).detokenize(token)).pan).toHaveLength(16);
    expect(h.logs.join('\n')).toContain('TOKENIZATION_ALLOW_PLAINTEXT_DETOKENIZE=on: ANY local process');
    await h.start();
    channel = h.client('channel');
    payment = h.client('payment');
  });

  it('answers DATA_LOSS, never a wrong card number, when a record was tampered with', async () => {
    const a = await channel.tokenize(card(uniqueName('ch')));
    const b = await channel.tokenize(card(uniqueName('ch')));
    // Copy b's ciphertext and data key into a's row: the associated data binds them to b.
    await h.db.dataSource.query(
      `UPDATE card SET pan_sealed = s.pan_sealed, dek_sealed = s.dek_sealed FROM card s WHERE card.token = $1 AND s.token = $2`,
      [a.token, b.token],
    );
    h.vault.deps.dekCache.clear();
    const err = await payment.failure(payment.detokenize(a.token));
    expect(err.code).toBe(status.DATA_LOSS);
  });
});
