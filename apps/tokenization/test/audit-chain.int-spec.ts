import { spawnSync } from 'child_process';
import { uniqueName } from '@wxpay/testing';
import { join } from 'path';
import { AuditCheckpointer, lastCheckpoint, readCheckpointFile } from '../src/persistence/audit-checkpoints';
import { verifyAuditChain } from '../src/persistence/audit-verifier';
import { unkeyedAuditEntryHash } from '../src/domain/audit-entry';
import { card, idempotencyKey } from './support/cards';
import { VaultHarness } from './support/vault-harness';

jest.setTimeout(90_000);

const ROOT = join(__dirname, '..', '..', '..');

describe('tamper-evident audit log (HMAC-SM3 chain, checkpoints outside the database)', () => {
  let h: VaultHarness;
  beforeAll(async () => {
    h = await VaultHarness.create('vault_audit');
    await h.start();
  });
  afterAll(() => h.close());

  const mac = (data: Buffer) => h.vault.ring.auditMac(data);
  const checkpoint = () => lastCheckpoint(readCheckpointFile(h.checkpointFile), mac).last;
  const verify = () =>
    verifyAuditChain(h.db.dataSource.manager, mac, { pageSize: 50, checkpoint: checkpoint() });

  function verifyCli(): { status: number | null; out: string } {
    const r = spawnSync(
      process.execPath,
      ['-r', './tools/ts-register.js', 'apps/tokenization/src/cli/verify-audit.ts'],
      {
        cwd: ROOT,
        env: { ...process.env, ...h.env(), TOKENIZATION_DATABASE_URL: h.db.url },
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

    it('detects a tail cut with the head moved back, against the checkpoint written outside the database', async () => {
      const written = await h.app!.get(AuditCheckpointer).write();
      expect(written).toBeDefined();
      const head = BigInt(written!.seq);
      const cut = (await q(`SELECT * FROM audit_entry WHERE seq > $1 ORDER BY seq`, [
        (head - 2n).toString(),
      ])) as Record<string, unknown>[];
      const [newHead] = (await q(`SELECT seq, entry_hash FROM audit_entry WHERE seq = $1`, [
        (head - 2n).toString(),
      ])) as { seq: string; entry_hash: Buffer }[];
      // The attack the issue tried: trigger off, two entries cut, the head moved back onto the new last entry.
      await q(`DELETE FROM audit_entry WHERE seq > $1`, [(head - 2n).toString()]);
      await q(`UPDATE audit_head SET seq = $1, entry_hash = $2`, [newHead!.seq, newHead!.entry_hash]);
      try {
        // The chain alone holds together; the checkpoint does not.
        expect((await verifyAuditChain(h.db.dataSource.manager, mac)).ok).toBe(true);
        const result = await verify();
        expect(result.ok).toBe(false);
        expect(result.firstBroken!.problem).toMatch(
          new RegExp(
            `^the log ends at entry ${newHead!.seq} but the checkpoint of .* recorded entry ${head}`,
          ),
        );
        const cli = verifyCli();
        expect(cli.status).toBe(1);
        expect(cli.out).toContain('entries were cut off the end');
      } finally {
        for (const r of cut) {
          await q(
            `INSERT INTO audit_entry (seq, occurred_at, actor, action, token, result, reason, prev_hash, entry_hash,
                                      hash_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
            [
              r.seq,
              r.occurred_at,
              r.actor,
              r.action,
              r.token,
              r.result,
              r.reason,
              r.prev_hash,
              r.entry_hash,
              r.hash_version,
            ],
          );
        }
        await q(`UPDATE audit_head SET seq = $1, entry_hash = $2`, [written!.seq, written!.entryHash]);
      }
      expect(await verify()).toMatchObject({ ok: true });
      // A checkpoint line forged without the audit key is ignored (and counted), never trusted.
      const forged = JSON.stringify({
        seq: '1',
        entryHash: '00',
        at: new Date().toISOString(),
        mac: '00'.repeat(32),
      });
      expect(lastCheckpoint(`${readCheckpointFile(h.checkpointFile)}${forged}\n`, mac)).toMatchObject({
        rejected: 1,
        last: { seq: written!.seq },
      });
    });

    it('detects an entry rewritten with a hash recomputed without the key, and a removed entry', async () => {
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
      // All a database writer can compute: the unkeyed hash, as a keyed entry or relabelled as an old one.
      const forged = unkeyedAuditEntryHash(row!.prev_hash, '20', row!.occurred_at, {
        ...row!,
        actor: 'cn:nobody',
      });
      await q(`UPDATE audit_entry SET actor = 'cn:nobody', entry_hash = $1 WHERE seq = 20`, [forged]);
      expect((await verify()).firstBroken).toEqual({
        seq: '20',
        problem: 'its fields do not match its hash: the entry was edited',
      });
      await q(`UPDATE audit_entry SET hash_version = 1 WHERE seq = 20`);
      expect((await verify()).firstBroken).toEqual({
        seq: '20',
        problem: 'an unkeyed entry after keyed ones: it was written without the audit key',
      });
      await q(`UPDATE audit_entry SET actor = $1, entry_hash = $2, hash_version = 2 WHERE seq = 20`, [
        row!.actor,
        row!.entry_hash,
      ]);
      expect((await verify()).ok).toBe(true);

      await q(`DELETE FROM audit_entry WHERE seq = 33`);
      expect((await verify()).firstBroken).toEqual({
        seq: '33',
        problem: 'entry 33 is missing (the next entry is 34)',
      });
    });
  });
});
