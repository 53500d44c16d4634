import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RunningSim } from '../src/sim-app';
import { emptyState, type NoticeRecord, type SimState } from '../src/store/sim-state';
import { StateStore } from '../src/store/state-store';
import {
  merchantClient,
  removeDir,
  silentLogger,
  simPost,
  startTestSim,
  tempDataDir,
} from './support/sim-harness';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
const onDisk = async (dir: string) => JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as SimState;
/** Lets pending I/O callbacks and promise jobs run (setImmediate is not faked below). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

let dir: string;
beforeEach(async () => {
  dir = await tempDataDir();
});
afterEach(async () => {
  jest.useRealTimers();
  await removeDir(dir);
});

describe('StateStore: coalesced writes', () => {
  beforeEach(() => {
    // Only the store's timer is faked; file I/O and promise jobs run for real.
    jest.useFakeTimers({
      doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'performance', 'hrtime'],
    });
  });

  it('writes a burst of changes once, after the interval; flush() writes what is left at once', async () => {
    const store = await StateStore.open(dir, silentLogger, 500);
    for (let i = 0; i < 1000; i++) store.update((s) => (s.balances[`o${i}`] = i));
    await settle();
    expect(await exists(join(dir, 'state.json'))).toBe(false); // nothing per change

    jest.advanceTimersByTime(499);
    await settle();
    expect(await exists(join(dir, 'state.json'))).toBe(false);
    jest.advanceTimersByTime(1);
    await store.flush(); // waits for the write the timer started
    expect(Object.keys((await onDisk(dir)).balances)).toHaveLength(1000);

    store.update((s) => (s.balances.late = 7));
    await store.flush(); // shutdown path: no waiting for the timer
    expect((await onDisk(dir)).balances.late).toBe(7);
    expect(jest.getTimerCount()).toBe(0); // nothing left armed after a flush
  });

  it('keeps state in memory only when the interval is 0, but still loads an existing file', async () => {
    await writeFile(join(dir, 'state.json'), JSON.stringify({ ...emptyState(), balances: { before: 5 } }));
    const store = await StateStore.open(dir, silentLogger, 0);
    expect(store.state.balances.before).toBe(5);
    store.update((s) => (s.balances.after = 6));
    jest.advanceTimersByTime(60_000);
    await store.flush();
    expect(store.state.balances.after).toBe(6);
    expect((await onDisk(dir)).balances).toEqual({ before: 5 });
  });

  it('reads a state file that kept one notice per contract as a one-entry history', async () => {
    const notice: NoticeRecord = {
      contract_id: 'C1',
      estimated_amount: { amount: 100, currency: 'CNY' },
      deduct_days: 1,
      sent_at: '2024-01-01T10:00:00+08:00',
      used: false,
    };
    await writeFile(join(dir, 'state.json'), JSON.stringify({ ...emptyState(), notices: { C1: notice } }));
    const store = await StateStore.open(dir, silentLogger, 500);
    expect(store.state.notices.C1).toEqual([notice]);
  });
});

describe('WECHATPAY_SIM_PERSIST_MS in the running simulator', () => {
  const seedOne = (sim: RunningSim, p: string) =>
    simPost(sim, '/sim/admin/contracts/bulk', {
      plan_id: 'P1',
      out_contract_code_prefix: p,
      openid_prefix: 'o-',
      count: 1,
    });

  it('writes on shutdown, and a restart finds seeded contracts by code again', async () => {
    let sim = await startTestSim(dir, { WECHATPAY_SIM_PERSIST_MS: '3600000' });
    try {
      expect((await seedOne(sim, 'RS')).status).toBe(201);
      expect(await exists(join(dir, 'state.json'))).toBe(false); // the hour has not passed
      await sim.close();
      expect(Object.values((await onDisk(dir)).contracts).map((c) => c.out_contract_code)).toEqual(['RS0']);

      sim = await startTestSim(dir, { WECHATPAY_SIM_PERSIST_MS: '3600000' });
      const client = merchantClient(sim);
      expect(await client.papay.queryContract('P1', 'RS0')).toMatchObject({ contract_state: 'SIGNED' });
      expect((await seedOne(sim, 'RS')).status).toBe(409); // the code index was rebuilt from the file
    } finally {
      await sim.close();
    }
  });

  it("'off' never writes the state file", async () => {
    const sim = await startTestSim(dir, { WECHATPAY_SIM_PERSIST_MS: 'off' });
    try {
      expect((await seedOne(sim, 'OFF')).status).toBe(201);
    } finally {
      await sim.close();
    }
    expect(await exists(join(dir, 'state.json'))).toBe(false);
  });
});
