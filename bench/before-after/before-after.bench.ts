/**
 * Before and after in one run on the same machine: this checkout ("head") against another checkout of an earlier
 * commit ("base", BENCH_BASE_TREE, npm ci done there), on the figures a change to the service edge must not worsen
 * by more than 10 %: vault Detokenize/s, webhook intake/s (notifications answered 204 per second, worker paused),
 * and RiskEngine.Evaluate p99 at a fixed rate over mutual TLS. Each side's services run from their own tree and
 * schema; the load and the client are the same for both; timed slices alternate between the sides, so drift in
 * what else the machine does falls on both. The CPU each side's server process used per call is printed too: on a
 * shared 2-core machine, where the load generator takes cores from the server, it is the steadier figure. A base
 * still on kafkajs gets its idle-timer fix, which bases before dfac2b3 lack (kafkajs-idle-fix.preload.js), and speaks
 * only plaintext to Kafka: run such a comparison with KAFKA_SECURITY_PROTOCOL=PLAINTEXT.
 *
 *   git worktree add --detach ../base <commit> && (cd ../base && npm ci)
 *   KAFKA_SECURITY_PROTOCOL=PLAINTEXT BENCH_BASE_TREE=../base npm run bench -- before-after
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { ensureDevPki } from '@wxpay/testing';
import { benchInfra } from '../support/infra';
import { machineLine, pairedMedianRatio, printTable } from '../support/stats';
import { compareRisk } from './risk';
import { trees, type SideFigures } from './trees';
import { compareVault } from './vault';
import { compareWebhook } from './webhook';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const RISK_RATE = Number(process.env.BENCH_RISK_RATE ?? 1000);
const RISK_ROUNDS = Number(process.env.BENCH_RISK_ROUNDS ?? 16);
/** Which comparisons to run (all by default): vault, webhook, risk. */
const ONLY = (process.env.BENCH_ONLY ?? 'vault,webhook,risk').split(',');

type Row = Record<string, string | number>;

/** The head's change against the base, in per cent; `higherIsBetter` says which way is worse. */
function change(base: number, head: number, higherIsBetter: boolean): string {
  const pct = ((head - base) / base) * 100;
  const worse = higherIsBetter ? -pct : pct;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)} %${worse > 10 ? ' (worse by more than 10 %)' : ''}`;
}

function rows(name: string, figures: SideFigures[], main: 'perSecond' | 'p99Ms'): Row[] {
  const [base, head] = figures;
  const measured: Row[] = figures.map((f) => ({
    benchmark: name,
    side: f.side,
    'per second': Math.round(f.perSecond),
    'p99 ms': f.p99Ms.toFixed(2),
    'p99 ms, median of rounds': f.p99MedianOfRoundsMs?.toFixed(2) ?? '',
    'server CPU ms/call': f.serverCpuMs.toFixed(3),
    'head vs base': '',
  }));
  return measured.concat({
    benchmark: name,
    side: 'change',
    'per second': '',
    'p99 ms': '',
    'p99 ms, median of rounds': '',
    'server CPU ms/call': change(base!.serverCpuMs, head!.serverCpuMs, false),
    'head vs base':
      main === 'perSecond'
        ? `${change(base!.perSecond, head!.perSecond, true)} per second`
        : `p99 ${change(base!.p99Ms, head!.p99Ms, false)}; median of rounds ` +
          change(base!.p99MedianOfRoundsMs!, head!.p99MedianOfRoundsMs!, false),
  });
}

async function main(): Promise<void> {
  const baseRoot = process.env.BENCH_BASE_TREE;
  if (!baseRoot) {
    console.log(
      'before-after: set BENCH_BASE_TREE to a checkout of the base commit (see the file header); skipped',
    );
    return;
  }
  const sides = trees(resolve(baseRoot));
  const infra = await benchInfra();
  const dir = mkdtempSync(join(tmpdir(), 'before-after-'));
  const pki = join(dir, 'pki');
  try {
    await ensureDevPki({ dir: pki, services: ['tokenization', 'payment', 'channel', 'risk'] });
    const table: Row[] = [];
    // Per comparison: the median of the paired rounds' figures, head against base, with its bootstrap interval.
    const intervals: string[] = [];
    const pct = (r: number) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)} %`;
    const interval = (what: string, figures: SideFigures[], of: 'roundRates' | 'roundP99sMs') => {
      const [base, head] = figures;
      const r = pairedMedianRatio(base![of]!, head![of]!);
      intervals.push(
        `${what}, median of ${base![of]!.length} paired rounds, head vs base: ${pct(r.ratio)} ` +
          `(95 % bootstrap interval ${pct(r.low)} to ${pct(r.high)})`,
      );
    };
    if (ONLY.includes('vault')) {
      const vault = await compareVault(sides, pki, dir, ROUNDS, 1500);
      table.push(...rows('vault Detokenize', vault, 'perSecond'));
      interval('vault Detokenize/s', vault, 'roundRates');
    }
    if (ONLY.includes('webhook')) {
      const webhook = await compareWebhook(sides, ROUNDS, 2000);
      table.push(...rows('webhook intake', webhook, 'perSecond'));
      interval('webhook intake/s', webhook, 'roundRates');
    }
    if (ONLY.includes('risk')) {
      const risk = await compareRisk(sides, pki, RISK_RATE, RISK_ROUNDS, 6);
      table.push(...rows(`risk Evaluate at ${RISK_RATE}/s`, risk, 'p99Ms'));
      interval('risk Evaluate p99', risk, 'roundP99sMs');
    }
    printTable(`Before (${sides[0]!.root}) and after (${sides[1]!.root}), one run (${machineLine()})`, table);
    for (const line of intervals) console.log(line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await infra.stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
