import { type DataSource, type EntityManager } from 'typeorm';
import { Batcher } from '../support/batcher';
import { auditEntryHash, type AuditFact, type AuditMac } from '../domain/audit-entry';

interface Head {
  seq: bigint;
  hash: Buffer;
}

interface NewEntry {
  fact: AuditFact;
  occurredAt: Date;
}

export interface AuditLogOptions {
  /** Entries per group commit at most. */
  maxBatch?: number;
  /** Observes each group commit's size (metrics). */
  onGroupCommit?: (entries: number) => void;
}

const INSERT_ROWS = `INSERT INTO audit_entry (seq, occurred_at, actor, action, token, result, reason, prev_hash, entry_hash)
  SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[],
                       $7::text[], $8::bytea[], $9::bytea[])`;

/** Attempts of the one-statement group commit before falling back to locking the head in a transaction. */
const OPTIMISTIC_ATTEMPTS = 3;

/**
 * The hash-chained audit log (see audit-entry.ts), its links keyed with the audit key (hash version 2, the
 * column's default). Every append moves the single `audit_head` row from the
 * previous last entry to the new one in the same atomic step as it inserts the entries; PostgreSQL's row lock on
 * the head serializes appenders in this process and in any other, so the chain never forks, and an entry is
 * covered by the chain from the moment it is committed.
 *
 * Two ways in:
 * - `appendWithin(manager, facts)` inside the caller's transaction, for state changes: the change and its entry
 *   commit together or not at all. The head stays locked from this call to the commit, so callers make it their
 *   last statement.
 * - `append(fact)` for detokenize and refused calls: group commit. Entries that arrive while a commit is in
 *   flight wait and go together in the next one, so under load one commit carries many entries, and at low load
 *   an entry is written at once. A group is a single autocommitted statement that moves the head only if it is
 *   still where this process last left it (compare-and-set); if another appender moved it, the head is read
 *   again and the group re-chained. The promise resolves after the commit: a caller answers only once its entry
 *   is durable, and fails closed when it cannot be written.
 *
 * Measured alternative, not kept: journaling entries first (parallel commits) and chaining them in the
 * background. It doubles the writes per entry, which cost more than they saved on a CPU-bound host, and it
 * leaves entries briefly outside the chain.
 */
export class AuditLog {
  private readonly groups: Batcher<NewEntry, void>;
  /** Where this process last saw the head; undefined when another writer may have moved it. */
  private head?: Head;

  constructor(
    private readonly dataSource: DataSource,
    private readonly mac: AuditMac,
    opts: AuditLogOptions = {},
  ) {
    // One group in flight: each chains onto the previous one's last hash. Measured and dropped: two in flight,
    // the second chained onto the first's predicted head. Over separate connections the second often reaches
    // the head before the first has locked it, fails its compare-and-set and retries: 2-4x slower.
    this.groups = new Batcher((entries) => this.commitGroup(entries), {
      maxInFlight: 1,
      maxBatch: opts.maxBatch ?? 512,
      onBatch: opts.onGroupCommit,
    });
  }

  /** Resolves once the entry is committed in the chain. */
  append(fact: AuditFact): Promise<void> {
    return this.groups.submit({ fact, occurredAt: new Date() });
  }

  /** Appends inside the caller's transaction (which must be the one making the change), as its last statement. */
  async appendWithin(manager: EntityManager, facts: readonly AuditFact[]): Promise<void> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('appendWithin must run inside the transaction of the change it records');
    }
    this.head = undefined;
    const now = new Date();
    const chained = chain(
      this.mac,
      await readHead(manager, true),
      facts.map((fact) => ({ fact, occurredAt: now })),
    );
    await manager.query(
      `WITH appended AS (${INSERT_ROWS}) UPDATE audit_head SET seq = $10, entry_hash = $11`,
      chained.params,
    );
  }

  /** Waits for group commits queued or in flight (shutdown). */
  flush(): Promise<void> {
    return this.groups.settled();
  }

  private async commitGroup(entries: NewEntry[]): Promise<void[]> {
    for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
      const head = this.head ?? (await readHead(this.dataSource.manager, false));
      const chained = chain(this.mac, head, entries);
      this.head = undefined;
      const [row] = await this.casAppend(chained, head);
      if (row!.n === entries.length) {
        this.head = chained.head;
        return entries.map(() => undefined);
      }
      // Another appender moved the head: read it again and re-chain.
    }
    // Heavily contended: take the head's lock and append behind whoever holds it.
    await this.dataSource.transaction(async (m) => {
      const chained = chain(this.mac, await readHead(m, true), entries);
      await m.query(
        `WITH appended AS (${INSERT_ROWS}) UPDATE audit_head SET seq = $10, entry_hash = $11`,
        chained.params,
      );
    });
    return entries.map(() => undefined);
  }

  /** One autocommitted statement: moves the head from `from` and inserts the entries, or does nothing. */
  private async casAppend(chained: { params: unknown[] }, from: Head): Promise<{ n: number }[]> {
    return (await this.dataSource.query(
      `WITH moved AS (
           UPDATE audit_head SET seq = $10, entry_hash = $11 WHERE seq = $12 AND entry_hash = $13 RETURNING 1
         ), appended AS (
           ${INSERT_ROWS} WHERE EXISTS (SELECT 1 FROM moved) RETURNING 1
         )
         SELECT count(*)::int AS n FROM appended`,
      [...chained.params, from.seq.toString(), from.hash],
    )) as { n: number }[];
  }
}

async function readHead(manager: EntityManager, lock: boolean): Promise<Head> {
  const [head] = (await manager.query(
    `SELECT seq, entry_hash FROM audit_head${lock ? ' FOR UPDATE' : ''}`,
  )) as {
    seq: string;
    entry_hash: Buffer;
  }[];
  return { seq: BigInt(head!.seq), hash: head!.entry_hash };
}

/** Numbers and hashes entries after `head`: params are the nine column arrays, then the new head's seq and hash. */
function chain(mac: AuditMac, head: Head, entries: NewEntry[]): { params: unknown[]; head: Head } {
  const cols: unknown[][] = Array.from({ length: 9 }, () => []);
  let seq = head.seq;
  let prev = head.hash;
  for (const { fact, occurredAt } of entries) {
    seq += 1n;
    const hash = auditEntryHash(mac, prev, seq.toString(), occurredAt, fact);
    const values = [
      seq.toString(),
      occurredAt.toISOString(),
      fact.actor,
      fact.action,
      fact.token,
      fact.result,
      fact.reason,
      prev,
      hash,
    ];
    values.forEach((v, i) => cols[i]!.push(v));
    prev = hash;
  }
  return { params: [...cols, seq.toString(), prev], head: { seq, hash: prev } };
}
