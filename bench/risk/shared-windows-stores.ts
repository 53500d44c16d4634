/**
 * The three velocity-window stores the shared-windows benchmark compares, each doing what one Evaluate needs of
 * the windows: record the attempt in the card's, device's, IP's and merchant's windows, then read the window sums
 * the live rules read (including that attempt, as RiskState.recordAttempt then frame does). Lifecycle facts
 * (declines) only write.
 *
 *  - InProcessWindows: today's WindowStore, one per replica (nothing shared).
 *  - RedisWindows: per entity key, two hashes (a minute ring of 60 slots, an hour ring of 24), laid out as
 *    BucketRings lays out its arrays; one Lua script per evaluation records and reads.
 *  - PostgresWindows: a bucket table (entity, key, grain, kind, bucket, count, amount); one statement per
 *    evaluation (an UPSERT in a CTE, the sums in the main query).
 */
import { readFileSync } from 'fs';
import { join } from 'path';
// node-redis (@redis/client, its core without the modules' commands) rather than ioredis: both are kept by Redis,
// whose guidance is node-redis for new code (ioredis is maintained, no longer developed); it has no dependencies of
// its own, pipelines the commands issued in one tick on its connection, and runs scripts by EVALSHA.
import { createClient, type RedisClientType } from '@redis/client';
import { Pool } from 'pg';
import { parseSpan } from '../../apps/risk/src/domain/rules/spans';
import {
  HOUR_MS,
  MINUTE_MS,
  WINDOW_METRICS,
  WindowKind,
  type WindowEntity,
  type WindowField,
  type WindowMetric,
} from '../../apps/risk/src/domain/state/window-kinds';
import { WindowStore } from '../../apps/risk/src/domain/state/window-store';

export const ENTITIES: readonly WindowEntity[] = ['card', 'device', 'ip', 'merchant'];

/** What the windows see of one payment: its four keys, its amount (CNY fen) and its event time. */
export interface WindowSubject {
  card: string;
  device: string;
  ip: string;
  merchant: string;
  amount: number;
  at: number;
}

export interface WindowRead {
  entity: WindowEntity;
  kind: WindowKind;
  field: WindowField;
  spanMs: number;
  label: string;
}

/** The window sums the Evaluate rules of a rule set read (its monitoring rules run on lifecycle facts, not here). */
export function evaluationReads(
  rulesFile = join(__dirname, '../../apps/risk/rules/default.json'),
): WindowRead[] {
  const doc = JSON.parse(readFileSync(rulesFile, 'utf8')) as { rules: unknown[] };
  const reads = new Map<string, WindowRead>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const w = (node as { window?: { of: WindowEntity; metric: WindowMetric; span: string } }).window;
    if (w) {
      const spanMs = parseSpan(w.span);
      if (typeof spanMs === 'string') throw new Error(spanMs);
      const { kind, field } = WINDOW_METRICS[w.metric];
      const label = `${w.of}.${w.metric}.${w.span}`;
      reads.set(label, { entity: w.of, kind, field, spanMs, label });
      return;
    }
    Object.values(node).forEach(walk);
  };
  walk(doc.rules);
  return [...reads.values()];
}

export interface SharedWindows {
  /** Records the attempt and returns the reads' sums (a plain array when the store answers synchronously). */
  evaluate(s: WindowSubject): number[] | Promise<number[]>;
  /** Adds a lifecycle fact (a decline, say) to the four keys' windows. */
  apply(s: WindowSubject, kind: WindowKind, count: number, amount: number): void | Promise<void>;
  /** The reads' sums at `s.at`, recording nothing. */
  read(s: WindowSubject): number[] | Promise<number[]>;
  close(): Promise<void>;
}

function keyOf(s: WindowSubject, entity: WindowEntity): string {
  return s[entity];
}

export class InProcessWindows implements SharedWindows {
  readonly store = new WindowStore();

  constructor(private readonly reads: WindowRead[]) {}

  evaluate(s: WindowSubject): number[] {
    this.apply(s, WindowKind.ATTEMPT, 1, s.amount);
    return this.read(s);
  }

  apply(s: WindowSubject, kind: WindowKind, count: number, amount: number): void {
    for (const e of ENTITIES) this.store.add(e, keyOf(s, e), kind, count, amount, s.at);
  }

  read(s: WindowSubject): number[] {
    return this.reads.map((r) =>
      this.store.sum(r.entity, keyOf(s, r.entity), r.kind, r.field, r.spanMs, s.at),
    );
  }

  async close(): Promise<void> {}
}

/** A read in bucket terms: a window of span S covers the bucket holding `at` and the S/g - 1 before it. */
function bucketsOf(r: WindowRead): { grain: 0 | 1; buckets: number } {
  return r.spanMs <= HOUR_MS
    ? { grain: 0, buckets: Math.ceil(r.spanMs / MINUTE_MS) }
    : { grain: 1, buckets: Math.ceil(r.spanMs / HOUR_MS) };
}

/*
 * KEYS: per entity (card, device, IP, merchant) its minute ring, then its hour ring.
 * ARGV: kind, count, amount, minute bucket, hour bucket, then the number of reads and per read: entity index (0-3),
 * grain (0 minute, 1 hour), kind, field ('c' count, 'a' amount), buckets, and the buckets of the widest read of the
 * same ring, kind and field (fetched once, the narrower reads sum its tail). A count of 0 records nothing.
 * A ring is a hash of '<bucket>:<kind>c|a' fields (bucket: minutes or hours since the epoch) with, per slot
 * (bucket modulo 60 or 24), the bucket it holds ('e<slot>'): when a slot moves on to a newer bucket the older
 * bucket's fields are deleted, so a busy key's hash stays bounded; an event older than its slot's bucket is dropped
 * (BucketRings does the same). A read fetches only the fields of the buckets it covers, which a slot that moved on
 * no longer has. A ring key expires one ring length after its last write.
 * Everything runs as one script: Redis runs a script alone, so the read that follows the record sees exactly the
 * attempts recorded before it, from whichever replica, and none recorded after it. Formatting numbers dominates the
 * script's CPU in Redis's Lua, so each bucket number is formatted once per call.
 */
const RING_SCRIPT = `
local kind = ARGV[1]
local cnt = tonumber(ARGV[2])
local amt = tonumber(ARGV[3])
local now = { tonumber(ARGV[4]), tonumber(ARGV[5]) }
local SLOTS = { 60, 24 }
local TTL = { 3660, 90000 }
local names = { {}, {} }
local function nameOf(g, b)
  local n = names[g][b]
  if not n then
    n = tostring(b) .. ':'
    names[g][b] = n
  end
  return n
end
if cnt ~= 0 then
  for i = 1, #KEYS do
    local g = 2 - (i % 2)
    local key = KEYS[i]
    local bucket = now[g]
    local slotField = 'e' .. (bucket % SLOTS[g])
    local held = redis.call('HGET', key, slotField)
    held = held and tonumber(held) or -1
    if held <= bucket then
      if held ~= bucket then
        if held >= 0 then
          local old = nameOf(g, held)
          redis.call('HDEL', key, old .. '0c', old .. '0a', old .. '1c', old .. '1a', old .. '2c', old .. '2a',
            old .. '3c', old .. '3a', old .. '4c', old .. '4a')
        end
        redis.call('HSET', key, slotField, bucket)
      end
      local name = nameOf(g, bucket) .. kind
      redis.call('HINCRBY', key, name .. 'c', cnt)
      redis.call('HINCRBY', key, name .. 'a', amt)
      redis.call('EXPIRE', key, TTL[g])
    end
  end
end
local reads = tonumber(ARGV[6])
local fetched = {}
local out = {}
for r = 0, reads - 1 do
  local base = 7 + r * 6
  local g = tonumber(ARGV[base + 1]) + 1
  local ki = tonumber(ARGV[base]) * 2 + g
  local suffix = ARGV[base + 2] .. ARGV[base + 3]
  local last = now[g]
  local id = ki .. suffix
  local values = fetched[id]
  local widest = tonumber(ARGV[base + 5])
  if not values then
    local fields = {}
    for b = last - widest + 1, last do fields[#fields + 1] = nameOf(g, b) .. suffix end
    values = redis.call('HMGET', KEYS[ki], unpack(fields))
    fetched[id] = values
  end
  local total = 0
  for j = widest - tonumber(ARGV[base + 4]) + 1, widest do
    if values[j] then total = total + tonumber(values[j]) end
  end
  out[#out + 1] = total
end
return out
`;

export class RedisWindows implements SharedWindows {
  private sha = '';
  private readonly readArgs: string[];

  private constructor(
    private readonly client: RedisClientType,
    private readonly prefix: string,
    reads: WindowRead[],
  ) {
    this.readArgs = [String(reads.length)];
    const ring = (r: WindowRead) => `${r.entity}/${bucketsOf(r).grain}/${r.kind}/${r.field}`;
    for (const r of reads) {
      const { grain, buckets } = bucketsOf(r);
      const widest = Math.max(...reads.filter((o) => ring(o) === ring(r)).map((o) => bucketsOf(o).buckets));
      this.readArgs.push(
        String(ENTITIES.indexOf(r.entity)),
        String(grain),
        String(r.kind),
        r.field === 'count' ? 'c' : 'a',
        String(Math.min(buckets, grain === 0 ? 60 : 24)),
        String(Math.min(widest, grain === 0 ? 60 : 24)),
      );
    }
  }

  static async open(url: string, prefix: string, reads: WindowRead[]): Promise<RedisWindows> {
    const client = createClient({ url }) as RedisClientType;
    client.on('error', (e: Error) => process.stderr.write(`redis: ${e.message}\n`));
    await client.connect();
    const w = new RedisWindows(client, prefix, reads);
    w.sha = await client.scriptLoad(RING_SCRIPT);
    return w;
  }

  private keys(s: WindowSubject): string[] {
    const out: string[] = [];
    for (const e of ENTITIES) {
      const k = `${this.prefix}${e[0]}:${keyOf(s, e)}`;
      out.push(`${k}:m`, `${k}:h`);
    }
    return out;
  }

  private async run(s: WindowSubject, kind: WindowKind, count: number, amount: number, reads: string[]) {
    const reply = await this.client.evalSha(this.sha, {
      keys: this.keys(s),
      arguments: [
        String(kind),
        String(count),
        String(amount),
        String(Math.floor(s.at / MINUTE_MS)),
        String(Math.floor(s.at / HOUR_MS)),
        ...reads,
      ],
    });
    return reply as number[];
  }

  evaluate(s: WindowSubject): Promise<number[]> {
    return this.run(s, WindowKind.ATTEMPT, 1, s.amount, this.readArgs);
  }

  async apply(s: WindowSubject, kind: WindowKind, count: number, amount: number): Promise<void> {
    await this.run(s, kind, count, amount, ['0']);
  }

  read(s: WindowSubject): Promise<number[]> {
    return this.run(s, WindowKind.ATTEMPT, 0, 0, this.readArgs);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** The bench's table; `bucket` is the minute (grain 0) or hour (grain 1) since the epoch. */
export const BUCKET_TABLE_DDL = `
CREATE TABLE risk_window_bucket (
  entity smallint NOT NULL,
  key text NOT NULL,
  grain smallint NOT NULL,
  kind smallint NOT NULL,
  bucket bigint NOT NULL,
  count bigint NOT NULL,
  amount bigint NOT NULL,
  PRIMARY KEY (entity, key, grain, kind, bucket)
) WITH (fillfactor = 70)`;

/*
 * One statement: the CTE upserts the fact into the four keys' current minute and hour buckets; the main query sums
 * each read's buckets. Under READ COMMITTED the main query reads the statement's snapshot, which does not hold
 * what the CTE wrote nor what another replica committed while this statement waited for a row lock; so the rows
 * the upsert touched are taken from its RETURNING (the latest version, locked until commit) and the other buckets
 * from the snapshot. Two replicas recording on one card therefore serialise on its current bucket row, and each
 * reads the count with every earlier attempt in it, as the Redis script does. The rows go in entity order, the
 * same in every statement, so two statements cannot deadlock.
 */
const EVALUATE_SQL = `
WITH rec AS (
  INSERT INTO risk_window_bucket AS b (entity, key, grain, kind, bucket, count, amount)
  SELECT u.e, u.k, u.g, $5::smallint, u.bk, $6::bigint, $7::bigint
  FROM unnest($1::smallint[], $2::text[], $3::smallint[], $4::bigint[]) AS u(e, k, g, bk)
  WHERE $6::bigint <> 0
  ON CONFLICT (entity, key, grain, kind, bucket)
  DO UPDATE SET count = b.count + EXCLUDED.count, amount = b.amount + EXCLUDED.amount
  RETURNING b.entity, b.key, b.grain, b.kind, b.bucket, b.count, b.amount
), r AS (
  SELECT * FROM unnest($8::smallint[], $9::text[], $10::smallint[], $11::smallint[], $12::boolean[],
    $13::bigint[], $14::bigint[]) WITH ORDINALITY AS r(e, k, g, kind, is_count, lo, hi, i)
)
SELECT
  COALESCE((SELECT sum(CASE WHEN r.is_count THEN t.count ELSE t.amount END) FROM risk_window_bucket t
    WHERE t.entity = r.e AND t.key = r.k AND t.grain = r.g AND t.kind = r.kind AND t.bucket BETWEEN r.lo AND r.hi
      AND NOT EXISTS (SELECT 1 FROM rec WHERE rec.entity = t.entity AND rec.key = t.key AND rec.grain = t.grain
        AND rec.kind = t.kind AND rec.bucket = t.bucket)), 0)
  + COALESCE((SELECT sum(CASE WHEN r.is_count THEN rec.count ELSE rec.amount END) FROM rec
    WHERE rec.entity = r.e AND rec.key = r.k AND rec.grain = r.g AND rec.kind = r.kind
      AND rec.bucket BETWEEN r.lo AND r.hi), 0) AS total
FROM r ORDER BY r.i`;

export class PostgresWindows implements SharedWindows {
  constructor(
    private readonly pool: Pool,
    private readonly reads: WindowRead[],
  ) {}

  static open(
    url: string,
    poolSize: number,
    synchronousCommit: string,
    reads: WindowRead[],
  ): PostgresWindows {
    const pool = new Pool({
      connectionString: url,
      max: poolSize,
      application_name: 'bench-shared-windows',
      options: `-c synchronous_commit=${synchronousCommit}`,
    });
    pool.on('error', (e) => process.stderr.write(`postgres: ${e.message}\n`));
    return new PostgresWindows(pool, reads);
  }

  /** Opens every connection of the pool now, so the first timed statements do not pay for it. */
  async warm(connections: number): Promise<void> {
    const clients = await Promise.all(Array.from({ length: connections }, () => this.pool.connect()));
    clients.forEach((c) => c.release());
  }

  private async run(s: WindowSubject, kind: WindowKind, count: number, amount: number, withReads: boolean) {
    const minute = Math.floor(s.at / MINUTE_MS);
    const hour = Math.floor(s.at / HOUR_MS);
    const e: number[] = [];
    const k: string[] = [];
    const g: number[] = [];
    const bk: number[] = [];
    ENTITIES.forEach((entity, i) => {
      e.push(i, i);
      k.push(keyOf(s, entity), keyOf(s, entity));
      g.push(0, 1);
      bk.push(minute, hour);
    });
    const reads = withReads ? this.reads : [];
    const re: number[] = [];
    const rk: string[] = [];
    const rg: number[] = [];
    const rkind: number[] = [];
    const rcount: boolean[] = [];
    const lo: number[] = [];
    const hi: number[] = [];
    for (const r of reads) {
      const { grain, buckets } = bucketsOf(r);
      const last = grain === 0 ? minute : hour;
      re.push(ENTITIES.indexOf(r.entity));
      rk.push(keyOf(s, r.entity));
      rg.push(grain);
      rkind.push(r.kind);
      rcount.push(r.field === 'count');
      lo.push(last - buckets + 1);
      hi.push(last);
    }
    const result = await this.pool.query<{ total: string }>({
      name: 'shared-windows-evaluate',
      text: EVALUATE_SQL,
      values: [e, k, g, bk, kind, count, amount, re, rk, rg, rkind, rcount, lo, hi],
    });
    return result.rows.map((row) => Number(row.total));
  }

  evaluate(s: WindowSubject): Promise<number[]> {
    return this.run(s, WindowKind.ATTEMPT, 1, s.amount, true);
  }

  async apply(s: WindowSubject, kind: WindowKind, count: number, amount: number): Promise<void> {
    await this.run(s, kind, count, amount, false);
  }

  read(s: WindowSubject): Promise<number[]> {
    return this.run(s, WindowKind.ATTEMPT, 0, 0, true);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
