/*
 * `npm run scan:card-data [-- --data .data] [--logs <dir|file> ...] [--no-kafka]`: looks for card data and key material where
 * none may be (PCI DSS 3.3–3.5, issue 15): every text, JSON and bytea column of the launcher's databases, every
 * message (value, key and headers) of every Kafka topic, and every log file. A finding is a card number written as
 * one (libs/card's containsPan: the edge's rule), a card expiry in a column named for one (outside the issuer
 * simulator's), or a piece of a secret the development cluster keeps in `.data`.
 * Findings name the place and show the card number masked, never whole; the exit status is 1 when there is any.
 * Run it after `npm test` and `npm run demo` against the same PostgreSQL and broker.
 */
import { containsPan, findPanSpans, starDigits } from '@wxpay/card';
import { createKafka, kafkaConnectionFromEnv, readTopic, type KafkaConnection } from '@wxpay/messaging';
import { DEFAULT_DATABASE_SERVER, withDatabase } from '@wxpay/persistence';
import { workspaceRoot } from '@wxpay/testing';
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { join } from 'path';
import { Client } from 'pg';
import { knownSecrets, type KnownSecret } from './secret-material';

export interface Finding {
  where: string;
  what: string;
}

const YEAR_MS = 365.25 * 24 * 3600_000;

/**
 * A 13-digit run that reads as an epoch-millisecond instant within twenty years of now (the Kafka broker's own log
 * is full of them, one in ten Luhn-valid): not a card number. Thirteen-digit card numbers are Visa's (first digit
 * 4); epoch milliseconds start with 1 until 2033.
 */
function epochMillis(digits: string, now = Date.now()): boolean {
  return digits.length === 13 && Math.abs(Number(digits) - now) < 20 * YEAR_MS;
}

/** What one piece of text gives away: card numbers (masked in the answer) and secrets (named by their file). */
export function inspect(text: string, secrets: readonly KnownSecret[]): string[] {
  const found: string[] = [];
  if (containsPan(text)) {
    for (const span of findPanSpans(text, { windows: false, writtenOut: true })) {
      if (epochMillis(text.slice(span.start, span.end).replace(/\D/g, ''))) continue;
      const from = Math.max(0, span.start - 40);
      const masked = starDigits(text, span.start, span.end, span.positions);
      found.push(
        `card number: …${text.slice(from, span.start)}${masked}${text.slice(span.end, span.end + 20)}…`,
      );
    }
  }
  for (const s of secrets) if (s.needles.some((n) => text.includes(n))) found.push(`secret from ${s.source}`);
  return found;
}

const TEXT_TYPES = ['text', 'character varying', 'character', 'json', 'jsonb', 'bytea'];

/** A text column named for an expiry (`expiry_month`, `card_expiry`, …): where a card's expiry would sit in clear. */
const EXPIRY_COLUMN = /expir/i;
/**
 * The UnionPay simulator plays the issuer, the bank's card system of record, which keeps each account's expiry
 * to check authorisations against; the gateway's own databases hold none outside the vault's envelope.
 */
const ISSUER_OF_RECORD = /unionpay_sim$/;

/** A clear expiry: a value in an expiry column of one of the gateway's databases (never echoed). */
export function clearExpiry(database: string, column: string, value: string): string | undefined {
  if (!EXPIRY_COLUMN.test(column) || ISSUER_OF_RECORD.test(database) || value.trim() === '') return undefined;
  return 'card expiry in a clear column';
}

async function scanDatabase(url: string, secrets: readonly KnownSecret[], out: Finding[]): Promise<number> {
  const database = url.split('/').pop()!.split('?')[0]!;
  const c = new Client({ connectionString: url });
  await c.connect();
  let values = 0;
  try {
    const { rows: columns } = await c.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type = ANY($1) ORDER BY table_name, ordinal_position`,
      [TEXT_TYPES],
    );
    for (const col of columns) {
      const expr =
        col.data_type === 'bytea' ? `encode("${col.column_name}", 'escape')` : `"${col.column_name}"::text`;
      const { rows } = await c.query<{ v: string | null }>(`SELECT ${expr} AS v FROM "${col.table_name}"`);
      for (const { v } of rows) {
        if (v === null) continue;
        values++;
        const where = `${database}.${col.table_name}.${col.column_name}`;
        for (const what of inspect(v, secrets)) out.push({ where, what });
        const expiry = clearExpiry(database, col.column_name, v);
        if (expiry) out.push({ where, what: expiry });
      }
    }
  } finally {
    await c.end();
  }
  return values;
}

async function scanKafka(
  connection: KafkaConnection,
  secrets: readonly KnownSecret[],
  out: Finding[],
): Promise<number> {
  const kafka = createKafka({ clientId: 'card-data-scan', connection });
  const admin = kafka.admin();
  const counts = new Map<string, number>();
  try {
    for (const t of (await admin.listTopics()).filter((name) => !name.startsWith('__'))) {
      const marks = await admin.partitionMarks(t);
      counts.set(
        t,
        marks.reduce((n, m) => n + Number(m.high - m.low), 0),
      );
    }
  } finally {
    await admin.close();
  }
  let seen = 0;
  for (const [topic, count] of counts) {
    if (count === 0) continue;
    // Bounded: the messages there were when the scan began, or 60 s in all.
    const messages = await readTopic(kafka, topic, { timeoutMs: 60_000, until: (m) => m.length >= count });
    for (const message of messages) {
      seen++;
      for (const text of [
        message.value?.toString('utf8') ?? '',
        message.key ?? '',
        ...Object.values(message.headers),
      ])
        for (const what of inspect(text, secrets))
          out.push({ where: `kafka ${topic}@${message.offset}`, what });
    }
  }
  return seen;
}

function logFiles(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => logFiles(join(path, name)));
}

function scanLogs(paths: string[], secrets: readonly KnownSecret[], out: Finding[]): number {
  let lines = 0;
  for (const file of paths.flatMap(logFiles)) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        lines++;
        for (const what of inspect(line, secrets)) out.push({ where: `${file}:${i + 1}`, what });
      });
  }
  return lines;
}

async function main(argv: string[]): Promise<void> {
  const root = workspaceRoot();
  const arg = (name: string) => argv.flatMap((a, i) => (a === name && argv[i + 1] ? [argv[i + 1]!] : []));
  const dataDir = arg('--data')[0] ?? join(root, '.data');
  const secrets = knownSecrets(dataDir);
  const server = process.env.DATABASE_URL ?? DEFAULT_DATABASE_SERVER;
  const prefix = process.env.LAUNCHER_DATABASE_PREFIX ?? 'wxpay_';
  const out: Finding[] = [];

  const admin = new Client({ connectionString: withDatabase(server, 'postgres') });
  await admin.connect();
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname`,
    [prefix],
  );
  await admin.end();
  let values = 0;
  for (const { datname } of rows) values += await scanDatabase(withDatabase(server, datname), secrets, out);
  const messages = argv.includes('--no-kafka') ? 0 : await scanKafka(kafkaConnectionFromEnv(), secrets, out);
  const lines = scanLogs([join(dataDir, 'kafka', 'logs'), ...arg('--logs')], secrets, out);

  console.log(
    `scanned ${rows.length} databases (${values} values), ${messages} Kafka messages, ${lines} log lines ` +
      `for card numbers, clear expiries and ${secrets.length} secret files`,
  );
  for (const f of out) console.log(`  ${f.where}: ${f.what}`);
  console.log(out.length ? `${out.length} findings` : 'no findings');
  process.exitCode = out.length ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 2;
  });
}
