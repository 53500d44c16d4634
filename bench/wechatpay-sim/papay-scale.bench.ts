/*
 * The simulator at benchmark scale (papay): how long it takes to seed signed contracts through the bulk
 * operator endpoint, and how fast sequential pre-entrust-sign calls run against an empty simulator and against
 * one already holding that many contracts (loaded from a prepared state.json, so the figure does not depend on
 * the bulk endpoint). Everything runs in this process: the signed merchant client competes with the simulator
 * for the CPU, as it does in the tests. Prints the load average with every figure (the machine is shared).
 *
 *   node -r ./tools/ts-register.js apps/wechatpay-sim/bench/papay-scale.bench.ts
 *   env: BENCH_CONTRACTS (100000), BENCH_PRESIGNS (10000), BENCH_PRESIGN_BUDGET_MS (300000: stop a slow phase
 *   early and report the rate), WECHATPAY_SIM_PERSIST_MS (passed through to the simulator).
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { emptyState, type ContractRecord } from '../../apps/wechatpay-sim/src/store/sim-state';
import {
  merchantClient,
  removeDir,
  startTestSim,
  tempDataDir,
} from '../../apps/wechatpay-sim/test/support/sim-harness';

const CONTRACTS = Number(process.env.BENCH_CONTRACTS ?? 100_000);
const PRESIGNS = Number(process.env.BENCH_PRESIGNS ?? 10_000);
const BUDGET_MS = Number(process.env.BENCH_PRESIGN_BUDGET_MS ?? 300_000);
const PLAN = '12535';
const persistEnv: Record<string, string> = process.env.WECHATPAY_SIM_PERSIST_MS
  ? { WECHATPAY_SIM_PERSIST_MS: process.env.WECHATPAY_SIM_PERSIST_MS }
  : {};

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function presignPhase(label: string, dir: string): Promise<void> {
  const sim = await startTestSim(dir, persistEnv);
  try {
    const client = merchantClient(sim);
    const started = performance.now();
    let done = 0;
    while (done < PRESIGNS && performance.now() - started < BUDGET_MS) {
      await client.papay.preEntrustSign({
        plan_id: PLAN,
        out_contract_code: `BENCHPRE${done}`,
        contract_display_account: '尾号0403',
        contract_notify_url: 'http://127.0.0.1:9/papay',
        sign_scene: 'SIGN_SCENE_APP',
      });
      done++;
    }
    const ms = performance.now() - started;
    const note = done < PRESIGNS ? ` (stopped after the ${BUDGET_MS} ms budget)` : '';
    out(
      `${label}: ${done} sequential preEntrustSign in ${(ms / 1000).toFixed(1)} s, ` +
        `${((done / ms) * 1000).toFixed(0)}/s${note} | load ${load()}`,
    );
  } finally {
    await sim.close();
  }
}

/** A state.json holding `n` signed contracts, written directly (works without the bulk endpoint). */
async function preparedState(dir: string, n: number): Promise<void> {
  const state = emptyState();
  for (let i = 0; i < n; i++) {
    const c: ContractRecord = {
      contract_id: `2024${String(i).padStart(20, '0')}`,
      mchid: '1900000109',
      appid: 'wx8888888888888888',
      plan_id: PLAN,
      out_contract_code: `BENCHC${i}`,
      contract_display_account: '尾号0403',
      contract_notify_url: 'http://127.0.0.1:9/papay',
      openid: `o-bench-${i}`,
      contract_signed_time: '2024-01-01T00:00:00+08:00',
      contract_state: 'SIGNED',
    };
    state.contracts[c.contract_id] = c;
  }
  await writeFile(join(dir, 'state.json'), JSON.stringify(state));
}

async function bulkPhase(): Promise<void> {
  const dir = await tempDataDir();
  const sim = await startTestSim(dir, persistEnv);
  try {
    const started = performance.now();
    const res = await fetch(`${sim.url}/sim/admin/contracts/bulk`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        plan_id: PLAN,
        out_contract_code_prefix: 'BENCHB',
        openid_prefix: 'o-bulk-',
        count: CONTRACTS,
        balance_fen: 1_000_000,
      }),
    });
    const ms = performance.now() - started;
    if (res.status === 404) {
      out(`bulk seed: no bulk endpoint in this build | load ${load()}`);
      return;
    }
    const body = (await res.json()) as { created?: number };
    out(
      `bulk seed: ${String(body.created)} contracts in ${(ms / 1000).toFixed(2)} s (HTTP ${res.status}) | load ${load()}`,
    );
    const last = await merchantClient(sim).papay.queryContract(PLAN, `BENCHB${CONTRACTS - 1}`);
    out(`  last seeded contract: ${last.contract_state}, openid ${String(last.openid)}`);
    const closing = performance.now();
    await sim.close();
    out(`  close (final state flush): ${((performance.now() - closing) / 1000).toFixed(2)} s`);
  } finally {
    await sim.close();
    await removeDir(dir);
  }
}

async function main(): Promise<void> {
  out(`contracts ${CONTRACTS}, pre-signs ${PRESIGNS} | load ${load()}`);
  await bulkPhase();
  const empty = await tempDataDir();
  try {
    await presignPhase('empty simulator', empty);
  } finally {
    await removeDir(empty);
  }
  const full = await tempDataDir();
  try {
    await preparedState(full, CONTRACTS);
    await presignPhase(`with ${CONTRACTS} contracts`, full);
  } finally {
    await removeDir(full);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
