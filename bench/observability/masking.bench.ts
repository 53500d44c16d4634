// Log lines per second through createLogger (key redaction + PAN masking) against plain pino with the same
// format. The sink only measures each line's UTF-8 length: like any real destination it has to read the whole
// string, but it does no I/O, so the figures are the loggers' own work. (A sink that ignores the line would flatter
// plain pino, whose concatenated line would then never be materialised.)
import { maskPans } from '@wxpay/card';
import { createLogger } from '@wxpay/observability';
import pino, { DestinationStream } from 'pino';

const ROUNDS = 3;
const ROUND_MS = 1000;
// The published Visa test number, not a real card.
const TEST_PAN = '4111111111111111';

let bytesWritten = 0;
const sink: DestinationStream = {
  write: (line: string) => {
    bytesWritten += Buffer.byteLength(line);
  },
};
const plain = pino(
  {
    base: { service: 'bench', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  },
  sink,
);
const masking = createLogger({ service: 'bench', destination: sink, level: 'info' });

const record = {
  paymentId: 'pay_01HZX3J7Q9',
  amount: 12345,
  currency: 'CNY',
  merchant: 'm-1001',
  scene: 'jsapi',
};
const nested = {
  ...record,
  payer: { openid: 'o_abc123', device: { ip: '10.0.0.8', ua: 'MicroMessenger/8.0' } },
};

type Case = { name: string; run: () => void };
const cases: Case[] = [
  { name: 'plain pino, flat record', run: () => plain.info(record, 'payment authorised') },
  { name: 'createLogger, flat record', run: () => masking.info(record, 'payment authorised') },
  { name: 'plain pino, nested record', run: () => plain.info(nested, 'payment authorised') },
  { name: 'createLogger, nested record', run: () => masking.info(nested, 'payment authorised') },
  { name: 'plain pino, PAN in message', run: () => plain.info(record, `declined card ${TEST_PAN}`) },
  { name: 'createLogger, PAN in message', run: () => masking.info(record, `declined card ${TEST_PAN}`) },
  { name: 'createLogger, secret field', run: () => masking.info({ ...record, password: 'x' }, 'login') },
];

function opsPerSecond(run: () => void): number {
  let ops = 0;
  const end = performance.now() + ROUND_MS;
  while (performance.now() < end) {
    for (let i = 0; i < 500; i++) run();
    ops += 500;
  }
  return (ops * 1000) / ROUND_MS;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

for (const c of cases) opsPerSecond(c.run); // warm-up, one round each

// Rounds interleave the cases, so drift from other work on the (shared) machine hits them all alike.
const samples = cases.map(() => [] as number[]);
for (let round = 0; round < ROUNDS; round++) cases.forEach((c, i) => samples[i].push(opsPerSecond(c.run)));
const rows = cases.map((c, i) => ({ case: c.name, 'lines/s (median)': Math.round(median(samples[i])) }));
const baseline: Record<string, number> = {
  flat: rows[0]['lines/s (median)'],
  nested: rows[2]['lines/s (median)'],
  PAN: rows[4]['lines/s (median)'],
};
console.table(
  rows.map((r) => {
    const kind = r.case.includes('nested') ? 'nested' : r.case.includes('PAN') ? 'PAN' : 'flat';
    return { ...r, 'vs plain pino': `${((r['lines/s (median)'] / baseline[kind]) * 100).toFixed(0)}%` };
  }),
);

const noDigits =
  'payment pay_01HZX3J7Q9 authorised for merchant m-1001 in scene jsapi, payer o_abc123 '.repeat(3);
const withPan = `${noDigits} card ${TEST_PAN}`;
console.table([
  {
    'maskPans input': `${noDigits.length} chars, no PAN (fast path)`,
    'calls/s': Math.round(opsPerSecond(() => maskPans(noDigits))),
  },
  {
    'maskPans input': `${withPan.length} chars, one PAN`,
    'calls/s': Math.round(opsPerSecond(() => maskPans(withPan))),
  },
]);
console.log(`(${(bytesWritten / 1e6).toFixed(0)} MB of log lines produced)`);
