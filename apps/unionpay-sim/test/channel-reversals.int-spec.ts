import { createDataSource, initializeDataSource } from '@wxpay/persistence';
import { eventually } from '@wxpay/testing';
import {
  type ApprovedResult,
  type IgnoredAnswer,
  type TimedOutResult,
  type UnionPayClient,
} from '@wxpay/unionpay';
import { ChannelHarness, cny, testPan, type JournalEntry } from './support/harness';

jest.setTimeout(30_000);

describe('UnionPay channel over TLS: timeouts, reversals, late and duplicate answers', () => {
  let h: ChannelHarness;
  let client: UnionPayClient;

  beforeAll(async () => {
    h = await ChannelHarness.start('reversal');
    client = await h.client();
  });
  afterEach(() => h.clearFaults());
  afterAll(() => h.stop());

  const reversalsIn = (journal: JournalEntry[]) =>
    journal.filter((j) => j.kind === 'reversal' && j.state === 'approved');

  async function acknowledged(requestId: string): Promise<Record<string, unknown>> {
    let row: Record<string, unknown> = {};
    await eventually(
      async () => {
        row = await h.requestRow(requestId);
        return row.reversal_state === 'acknowledged';
      },
      'reversal acknowledged',
      10_000,
    );
    return row;
  }

  it('reverses an authorisation that got no answer, exactly once (even when the 0430 comes twice)', async () => {
    const pan = testPan();
    const acct = await h.seedAccount(pan);
    await h.fault({ kind: 'no-answer', mtis: ['0100'], remaining: 1 });
    await h.fault({ kind: 'duplicate-answer', mtis: ['0420'], remaining: 1 });
    const r = (await client.authorize({ pan, expiry: '3012', amount: cny(7_000) })) as TimedOutResult;
    expect(r).toMatchObject({ outcome: 'timed-out', reversal: 'queued', reason: '4354' });
    const row = await acknowledged(r.reference.requestId);
    expect(row).toMatchObject({ state: 'timed-out', reversal_response_code: '00' });
    const journal = await h.journal(r.rrn);
    expect(journal.find((j) => j.kind === 'preauth')?.state).toBe('reversed');
    expect(reversalsIn(journal)).toHaveLength(1);
    expect(await h.account(acct.id)).toMatchObject({ held: cny(0), available: cny(1_000_000) });
    await eventually(async () => client.stats().duplicateAnswers >= 1, 'second 0430 recognised', 5_000);
  });

  it('keeps sending a queued reversal across a client restart until the switch acknowledges it', async () => {
    const pan = testPan();
    const acct = await h.seedAccount(pan);
    const first = await h.client();
    await h.fault({ kind: 'no-answer', mtis: ['0100'], remaining: 1 });
    await h.fault({ kind: 'no-answer', mtis: ['0420'] });
    const r = (await first.authorize({ pan, amount: cny(8_000) })) as TimedOutResult;
    expect(r.outcome).toBe('timed-out');
    await eventually(
      async () => Number((await h.requestRow(r.reference.requestId)).reversal_attempts) >= 2,
      'retried',
      10_000,
    );
    await h.closeClient(first);
    await h.clearFaults();
    const row = await h.requestRow(r.reference.requestId);
    expect(row.reversal_state).toBe('pending');

    const second = await h.client(); // a new process on the same request log resumes the reversal
    await acknowledged(r.reference.requestId);
    expect(reversalsIn(await h.journal(r.rrn))).toHaveLength(1);
    expect((await h.account(acct.id)).held).toEqual(cny(0));
    await h.closeClient(second);
  });

  it('reverses a request left in flight by a process that died, from the next process', async () => {
    const pan = testPan();
    const acct = await h.seedAccount(pan);
    const dying = await initializeDataSource(
      createDataSource({ url: h.clientDb.url, applicationName: 'dying-acquirer' }),
    );
    const victim = await h.client({ requestTimeoutMs: 20_000, orphanAfterMs: 40_000 }, dying);
    await h.fault({ kind: 'no-answer', mtis: ['0100'], remaining: 1 });
    const inFlight = victim.authorize({ pan, amount: cny(9_000) }).catch((e: unknown) => e);
    await eventually(
      async () => (await h.account(acct.id)).held.minor === 9_000,
      'hold applied at the switch',
      5_000,
    );
    await dying.destroy(); // the process dies: it can no longer record anything
    await h.closeClient(victim);
    expect(await inFlight).toBeInstanceOf(Error);
    const [orphan] = await h.clientDb.dataSource.query(
      `SELECT id FROM unionpay_request WHERE state = 'pending'`,
    );
    expect(orphan).toBeDefined();

    const next = await h.client(); // orphanAfterMs 4 000: the sweep reverses it
    const row = await acknowledged(String(orphan.id));
    expect(row).toMatchObject({ state: 'timed-out', reversal_reason: '4021' });
    expect((await h.account(acct.id)).held).toEqual(cny(0));
    await h.closeClient(next);
  });

  it('recognises a late answer and never applies it', async () => {
    const pan = testPan();
    const acct = await h.seedAccount(pan);
    const ignored: IgnoredAnswer[] = [];
    client.onAnswerIgnored((a) => ignored.push(a));
    await h.fault({ kind: 'late-answer', mtis: ['0100'], delayMs: 3_000, remaining: 1 });
    const r = (await client.authorize({ pan, amount: cny(4_000) })) as TimedOutResult;
    expect(r.outcome).toBe('timed-out');
    await acknowledged(r.reference.requestId);
    await eventually(
      async () => ignored.some((a) => a.kind === 'late' && a.stan === r.stan),
      'late 0110 recognised',
      5_000,
    );
    expect(ignored.find((a) => a.stan === r.stan)).toMatchObject({
      mti: '0110',
      responseCode: '00',
      rrn: r.rrn,
    });
    expect(await h.requestRow(r.reference.requestId)).toMatchObject({
      state: 'timed-out',
      response_code: null,
    });
    expect((await h.account(acct.id)).held).toEqual(cny(0));
  });

  it('recognises a duplicate answer and applies the answer once', async () => {
    const pan = testPan();
    const acct = await h.seedAccount(pan);
    const before = client.stats().duplicateAnswers;
    await h.fault({ kind: 'duplicate-answer', mtis: ['0200'], remaining: 1 });
    const r = await client.purchase({ pan, amount: cny(2_500) });
    expect(r.outcome).toBe('approved');
    await eventually(
      async () => client.stats().duplicateAnswers === before + 1,
      'duplicate 0210 recognised',
      5_000,
    );
    expect(await h.requestRow(r.reference.requestId)).toMatchObject({
      state: 'approved',
      reversal_state: 'none',
    });
    expect((await h.account(acct.id)).balance).toEqual(cny(2_500));
  });

  it('treats an answer with a bad MAC as no answer and reverses (reason 4355)', async () => {
    const pan = testPan();
    const acct = await h.seedAccount(pan);
    await h.fault({ kind: 'bad-response-mac', mtis: ['0200'], remaining: 1 });
    const r = (await client.purchase({ pan, amount: cny(1_500) })) as TimedOutResult;
    expect(r).toMatchObject({ outcome: 'timed-out', reason: '4355' });
    await acknowledged(r.reference.requestId);
    expect((await h.account(acct.id)).balance).toEqual(cny(0));
  });

  it('retries a reversal answered 96 until it is acknowledged', async () => {
    const pan = testPan();
    const acct = await h.seedAccount(pan);
    await h.fault({ kind: 'no-answer', mtis: ['0200'], remaining: 1 });
    await h.fault({ kind: 'decline', responseCode: '96', mtis: ['0420'], remaining: 2 });
    const r = await client.purchase({ pan, amount: cny(3_300) });
    expect(r.outcome).toBe('timed-out');
    const row = await acknowledged(r.reference.requestId);
    expect(Number(row.reversal_attempts)).toBeGreaterThanOrEqual(3);
    expect(reversalsIn(await h.journal(r.rrn))).toHaveLength(1);
    expect((await h.account(acct.id)).balance).toEqual(cny(0));
  });

  it('reverses an approved purchase on request, once, however often it is asked', async () => {
    const pan = testPan();
    const acct = await h.seedAccount(pan);
    const r = (await client.purchase({ pan, amount: cny(6_600) })) as ApprovedResult;
    expect(await client.reverse(r.reference)).toEqual({ outcome: 'acknowledged', responseCode: '00' });
    expect(await client.reverse(r.reference)).toEqual({ outcome: 'acknowledged', responseCode: '00' });
    expect(reversalsIn(await h.journal(r.rrn))).toHaveLength(1);
    expect((await h.account(acct.id)).balance).toEqual(cny(0));
  });

  it('fetches the working keys again after an A0 answer, then goes on', async () => {
    const pan = testPan();
    await h.seedAccount(pan);
    const fetches = () =>
      h.clientLog.lines.filter((l) => l.includes('unionpay working keys installed')).length;
    const before = fetches();
    await h.fault({ kind: 'decline', responseCode: 'A0', mtis: ['0200'], remaining: 1 });
    const r = await client.purchase({ pan, amount: cny(100) });
    expect(r).toMatchObject({
      outcome: 'declined',
      responseCode: 'A0',
      responseClass: 'security',
      retryable: true,
    });
    await eventually(async () => fetches() > before, 'keys fetched again', 5_000);
    expect((await client.purchase({ pan, amount: cny(100) })).outcome).toBe('approved');
  });

  it('follows key rotations by the switch without failing a request', async () => {
    const pan = testPan();
    await h.seedAccount(pan);
    const follower = await h.client();
    const rotate = async () =>
      (
        await h.admin<{ keyGeneration: number }>(
          'POST',
          `/admin/institutions/${h.bundle.acquirerId}/rotate-keys`,
        )
      ).body;
    await rotate();
    const latest = await rotate(); // the generation the client held is now invalid at the switch
    await eventually(
      async () => follower.keyGeneration === latest.keyGeneration,
      'rotation noticed in an echo answer',
      5_000,
    );
    expect((await follower.purchase({ pan, amount: cny(100) })).outcome).toBe('approved');
    await h.closeClient(follower);
  });
});
