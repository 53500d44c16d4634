import { spawnSync } from 'child_process';
import { uniqueName } from '@wxpay/testing';
import { join } from 'path';
import { verifyAuditChain } from '../src/persistence/audit-verifier';
import { auditEntryHash } from '../src/domain/audit-entry';
import { card, idempotencyKey } from './support/cards';
import { VaultHarness } from './support/vault-harness';

jest.setTimeout(90_000);

const ROOT = join(__dirname, '..', '..', '..');

describe('tamper-evident audit log (SM3 hash chain)', () => {
  let h: VaultHarness;
  beforeAll(async () => {
    h = await VaultHarness.create('vault_audit');
    await h.start();
  });
  afterAll(() => h.close());

  const verify = () => verifyAuditChain(h.db.dataSource.manager, 50);

  function verifyCli(): { status: number | null; out: string } {
    const r = spawnSync(
      process.execPath,
      ['-r', './tools/ts-register.js', 'apps/tokenization/src/cli/verify-audit.ts'],
      {
        cwd: ROOT,
        env: { ...process.env, TOKENIZATION_DATABASE_URL: h.db.url },
        encoding: 'utf8',
      },
    );
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  }

  it('records every operation, refusals included, in one unbroken chain under concurrency', async () => {
    const channel = h.client('channel');
    const payment = h.client('payment');
    const repayment = h.client('repayment');
    const risk = h.client('risk');
    const cardholder = uniqueName('ch');
    const tokens = await Promise.all(
      Array.from({ length: 6 }, () => channel.tokenize(card(cardholder)).then((r) => r.token)),
    );
    await channel.failure(channel.tokenize({ ...card(cardholder), expiry_year: '2020' }));
    const reads = await Promise.allSettled(
      Array.from({ length: 150 }, (_, i) =>
        [payment, repayment, risk][i % 3]!.detokenize(tokens[i % tokens.length]!, 'authorization'),
      ),
    );
    expect(reads.filter((r) => r.status === 'rejected')).toHaveLength(50); // risk's
    await channel.status('SuspendToken', tokens[0]!, idempotencyKey(), 'lost card');
    await channel.status('ResumeToken', tokens[0]!, idempotencyKey(), 'found');
    await channel.status('DeleteToken', tokens[1]!, idempotencyKey(), 'unbound');

    const result = await verify();
    expect(result).toEqual({
      ok: true,
      checked: 6 + 1 + 150 + 3,
      headSeq: String(6 + 1 + 150 + 3),
    });
    const summary = (await h.db.dataSource.query(
      `SELECT actor, action, result, count(*)::int AS n FROM audit_entry GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    )) as { actor: string; action: string; result: string; n: number }[];
    expect(summary).toEqual([
      { actor: 'cn:channel', action: 'delete', result: 'ok', n: 1 },
      { actor: 'cn:channel', action: 'resume', result: 'ok', n: 1 },
      { actor: 'cn:channel', action: 'suspend', result: 'ok', n: 1 },
      { actor: 'cn:channel', action: 'tokenize', result: 'invalid', n: 1 },
      { actor: 'cn:channel', action: 'tokenize', result: 'ok', n: 6 },
      { actor: 'cn:payment', action: 'detokenize', result: 'ok', n: 50 },
      { actor: 'cn:repayment', action: 'detokenize', result: 'ok', n: 50 },
      { actor: 'cn:risk', action: 'detokenize', result: 'denied', n: 50 },
    ]);
    const [entry] = (await h.db.dataSource.query(
      `SELECT token, reason FROM audit_entry WHERE actor = 'cn:repayment' ORDER BY seq LIMIT 1`,
    )) as { token: string; reason: string }[];
    expect(entry).toEqual({ token: expect.stringMatching(/^tok_/), reason: 'authorization' });
    expect(verifyCli()).toEqual({
      status: 0,
      out: expect.stringContaining(`audit chain intact: 160 entries`),
    });
  });

  it('refuses updates and deletes from the service connection (append-only trigger)', async () => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined); // TypeORM prints the failed statements
    await expect(h.db.dataSource.query(`UPDATE audit_entry SET result = 'ok' WHERE seq = 1`)).rejects.toThrow(
      'audit_entry is append-only',
    );
    await expect(h.db.dataSource.query(`DELETE FROM audit_entry WHERE seq = 1`)).rejects.toThrow(
      'append-only',
    );
  });

  describe('with the trigger bypassed by someone with table-owner rights', () => {
    const q = (sql: string, params: unknown[] = []) => h.db.dataSource.query(sql, params);
    beforeAll(() => q(`ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only`));
    afterAll(() => q(`ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only`));

    it('names a single edited entry (a denied read turned into an allowed one)', async () => {
      const [denied] = (await q(
        `SELECT seq FROM audit_entry WHERE result = 'denied' ORDER BY seq LIMIT 1`,
      )) as { seq: string }[];
      await q(`UPDATE audit_entry SET result = 'ok' WHERE seq = $1`, [denied!.seq]);
      try {
        expect((await verify()).firstBroken).toEqual({
          seq: denied!.seq,
          problem: 'its fields do not match its hash: the entry was edited',
        });
        const cli = verifyCli();
        expect(cli.status).toBe(1);
        expect(cli.out).toContain(`audit chain BROKEN at entry ${denied!.seq}`);
      } finally {
        await q(`UPDATE audit_entry SET result = 'denied' WHERE seq = $1`, [denied!.seq]);
      }
      expect((await verify()).ok).toBe(true);
    });

    it('detects an entry rewritten with its own hash recomputed, and a removed entry', async () => {
      const [row] = (await q(`SELECT * FROM audit_entry WHERE seq = 20`)) as {
        seq: string;
        occurred_at: Date;
        actor: string;
        action: 'detokenize';
        token: string;
        result: string;
        reason: string;
        prev_hash: Buffer;
        entry_hash: Buffer;
      }[];
      const forged = auditEntryHash(row!.prev_hash, '20', row!.occurred_at, { ...row!, actor: 'cn:nobody' });
      await q(`UPDATE audit_entry SET actor = 'cn:nobody', entry_hash = $1 WHERE seq = 20`, [forged]);
      expect((await verify()).firstBroken).toEqual({
        seq: '21',
        problem: 'prev_hash does not match the hash of entry 20: one was rewritten',
      });
      await q(`UPDATE audit_entry SET actor = $1, entry_hash = $2 WHERE seq = 20`, [
        row!.actor,
        row!.entry_hash,
      ]);

      await q(`DELETE FROM audit_entry WHERE seq = 33`);
      expect((await verify()).firstBroken).toEqual({
        seq: '33',
        problem: 'entry 33 is missing (the next entry is 34)',
      });
    });
  });
});
