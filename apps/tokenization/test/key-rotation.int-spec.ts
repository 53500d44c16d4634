import { readTopic, uniqueName, eventually } from '@wxpay/testing';
import { InjectedRotationFailure } from '../src/rotation/key-rotation';
import { type RotationJobRow } from '../src/persistence/rotation-job.repository';
import { card } from './support/cards';
import { VaultHarness, type VaultClient } from './support/vault-harness';

const caller = { actor: 'cn:test-seed', traceId: 'seed' };

async function seed(
  h: VaultHarness,
  count: number,
  cardholder = uniqueName('ch'),
): Promise<{ token: string; pan: string }[]> {
  const out: { token: string; pan: string }[] = [];
  for (let i = 0; i < count; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, count - i) }, async (_, j) => {
        // A letter between the parts: a long digit run in a cardholder reference is refused as card-number-like.
        const req = card(`${cardholder}-n${i + j}`);
        const key = {
          caller: caller.actor,
          operation: 'Tokenize',
          key: req.idempotency_key,
          fingerprint: 'seed',
        };
        const res = await h.vault.tokenize.tokenize({ ...req, cvn2: '' }, caller, key);
        return { token: res.token, pan: req.pan };
      }),
    );
    out.push(...batch);
  }
  return out;
}

async function versions(h: VaultHarness): Promise<Record<string, number>> {
  const rows = (await h.db.dataSource.query(
    `SELECT kek_version, count(*)::int AS n FROM card WHERE kek_version IS NOT NULL GROUP BY 1 ORDER BY 1`,
  )) as { kek_version: number; n: number }[];
  return Object.fromEntries(rows.map((r) => [`v${r.kek_version}`, r.n]));
}

async function startError(h: VaultHarness, env: Record<string, string>): Promise<string> {
  try {
    await h.start(env);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error('the service started but was expected to refuse');
}

jest.setTimeout(90_000);

describe('KEK rotation without downtime', () => {
  let h: VaultHarness;
  beforeAll(async () => {
    h = await VaultHarness.create('vault_rotation');
  });
  afterAll(() => h.close());

  it('re-wraps every data key in the background while reads go on, then retires the old KEK', async () => {
    await h.start({ TOKENIZATION_KEK_VERSIONS: '1' });
    const cards = await seed(h, 300);
    expect(await versions(h)).toEqual({ v1: 300 });

    // New current version; the job starts by itself and is slowed down so reads overlap it for a while.
    await h.start({
      TOKENIZATION_KEK_VERSIONS: '1,2',
      TOKENIZATION_ROTATION_AUTO: 'on',
      TOKENIZATION_ROTATION_BATCH: '20',
      TOKENIZATION_ROTATION_PAUSE_MS: '40',
    });
    const clients: VaultClient[] = [h.client('payment'), h.client('payment'), h.client('repayment')];
    let reads = 0;
    let readsWhileRunning = 0;
    const failures: string[] = [];
    const jobState = async () =>
      (
        (await h.db.dataSource.query(`SELECT state FROM rotation_job ORDER BY id DESC LIMIT 1`)) as {
          state: string;
        }[]
      )[0]?.state;
    let running = true;
    const readers = Array.from({ length: 12 }, async (_, i) => {
      while (running) {
        const c = cards[(reads * 7 + i) % cards.length]!;
        try {
          const res = await clients[i % clients.length]!.detokenize(c.token);
          if (res.pan !== c.pan) failures.push(`wrong card number for ${c.token}`);
        } catch (e) {
          failures.push(String(e));
        }
        reads++;
      }
    });
    await eventually(
      async () => {
        const state = await jobState();
        if (state === 'running') readsWhileRunning = reads;
        return state === 'completed';
      },
      'the rotation job to complete',
      60_000,
    );
    running = false;
    await Promise.all(readers);

    expect(failures).toEqual([]);
    expect(readsWhileRunning).toBeGreaterThan(50);
    expect(await versions(h)).toEqual({ v2: 300 });
    const [kek1] = (await h.db.dataSource.query(
      `SELECT retired_at FROM vault_key WHERE name = 'kek-v1'`,
    )) as { retired_at: Date | null }[];
    expect(kek1!.retired_at).toBeInstanceOf(Date);
    const isOurs = (value: string | null) => {
      const e = JSON.parse(value ?? '{}') as {
        type?: string;
        payload?: { rewrapped?: number; toKekVersion?: number };
      };
      return e.type === 'KeysRotated' && e.payload?.toKekVersion === 2 && e.payload.rewrapped === 300;
    };
    const events = await readTopic(h.topic, {
      until: (msgs) => msgs.some((m) => isOurs(m.value)),
      timeoutMs: 15_000,
    });
    const rotated = events.filter((m) => isOurs(m.value)).map((m) => JSON.parse(m.value!));
    expect(rotated).toHaveLength(1);
    expect(rotated[0]?.payload).toEqual({
      fromKekVersions: [1],
      toKekVersion: 2,
      rewrapped: 300,
      retiredKekVersions: [1],
    });

    // The old KEK can now be withdrawn; every record still reads.
    await h.start({ TOKENIZATION_KEK_VERSIONS: '2' });
    const sample = cards[123]!;
    expect((await h.client('payment').detokenize(sample.token)).pan).toBe(sample.pan);
  });

  it('refuses to start without a KEK that still wraps records, naming it', async () => {
    await h.start({ TOKENIZATION_KEK_VERSIONS: '2' });
    await seed(h, 10);
    await h.stop();
    const message = await startError(h, { TOKENIZATION_KEK_VERSIONS: '3' });
    expect(message).toContain('record(s) have data keys wrapped under kek-v2, whose shares are not loaded');
  });

  it('refuses a KEK whose shares combine to a key other than the registered one', async () => {
    await h.start({ TOKENIZATION_KEK_VERSIONS: '2' });
    await h.stop();
    const fs = await import('fs');
    const path = `${h.keyDir}/kek-v2.share2`;
    const original = fs.readFileSync(path, 'utf8');
    try {
      // A self-consistent share of another key (its check value matches itself): caught by the registry.
      const { formatShareFile } = await import('../src/keys/key-share');
      fs.writeFileSync(path, formatShareFile('kek-v2', 2, (await import('crypto')).randomBytes(16)));
      const message = await startError(h, { TOKENIZATION_KEK_VERSIONS: '2' });
      expect(message).toContain('kek-v2 combined from its shares is not the key registered under that name');
    } finally {
      fs.writeFileSync(path, original);
    }
  });

  it('resumes an interrupted job from its cursor after a crash', async () => {
    await h.start({ TOKENIZATION_KEK_VERSIONS: '2' });
    await seed(h, 190);
    const total = Object.values(await versions(h)).reduce((a, b) => a + b, 0);

    await h.start({ TOKENIZATION_KEK_VERSIONS: '2,3' });
    const firstRun: string[] = [];
    await expect(
      h.vault.rotation.run({ batchSize: 20, failAfterBatches: 3, onBatch: (p) => firstRun.push(p.last) }),
    ).rejects.toBeInstanceOf(InjectedRotationFailure);
    const [job] = (await h.db.dataSource.query(
      `SELECT id, state, cursor_token, rewrapped, batches FROM rotation_job WHERE state = 'running'`,
    )) as RotationJobRow[];
    // Three batches committed; the fourth was rolled back with the "crash".
    expect({ state: job!.state, batches: job!.batches, rewrapped: Number(job!.rewrapped) }).toEqual({
      state: 'running',
      batches: 3,
      rewrapped: 60,
    });
    expect(job!.cursor_token).toBe(firstRun[2]);
    expect(await versions(h)).toEqual({ v2: total - 60, v3: 60 });

    // A restarted service resumes the same job where the cursor stands.
    await h.start({ TOKENIZATION_KEK_VERSIONS: '2,3' });
    const secondRun: { first: string; count: number }[] = [];
    const outcome = await h.vault.rotation.run({ batchSize: 20, onBatch: (p) => secondRun.push(p) });
    expect(outcome).toMatchObject({ jobId: job!.id, state: 'completed', rewrapped: total, retired: [2] });
    expect(secondRun[0]!.first > job!.cursor_token).toBe(true);
    expect(secondRun.reduce((n, b) => n + b.count, 0)).toBe(total - 60);
    expect(await versions(h)).toEqual({ v3: total });
  });
});
