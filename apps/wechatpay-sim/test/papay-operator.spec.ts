import {
  WechatPayApiError,
  type VerifiedNotification,
  type WechatPayClient,
  type WechatPayNotificationParser,
} from '@wxpay/wechatpay';
import { type RunningSim } from '../src/sim-app';
import { NotifyReceiver, merchantClient, removeDir, startTestSim, tempDataDir } from './support/sim-harness';

const TOKEN = 'operator-token-for-tests-0001';
const PLAN = '12535';
let dir: string;
let sim: RunningSim;
let client: WechatPayClient;
let parser: WechatPayNotificationParser;
const receiver = new NotifyReceiver();
let notifyUrl: string;
let seq = 0;
/** A fresh code prefix per use: contract codes are never reusable within a plan. */
const prefix = () => `BK${Date.now() % 100_000}N${++seq}X`;

beforeAll(async () => {
  dir = await tempDataDir();
  notifyUrl = `${await receiver.start()}/notify`;
  // Deductions are processed 2 s after acceptance: time for a contract to end in between.
  sim = await startTestSim(dir, {
    WECHATPAY_SIM_ADMIN_TOKEN: TOKEN,
    WECHATPAY_SIM_DEDUCTION_DELAY_SECONDS: '2',
  });
  client = merchantClient(sim);
  parser = client.notificationParser();
});

afterAll(async () => {
  await sim.close();
  await receiver.stop();
  await removeDir(dir);
});

async function call(path: string, body?: unknown, token: string | null = TOKEN): Promise<Response> {
  return fetch(`${sim.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

interface Seeded {
  created: number;
  contracts?: Array<{ out_contract_code: string; contract_id: string; openid: string }>;
}

async function seed(body: Record<string, unknown>): Promise<Seeded> {
  const res = await call('/sim/admin/contracts/bulk', { plan_id: PLAN, ...body });
  expect(res.status).toBe(201);
  return (await res.json()) as Seeded;
}

/** One seeded contract (with a balance) for the deduction tests. */
async function oneContract(
  balanceFen = 1_000_000,
): Promise<{ contractId: string; code: string; openid: string }> {
  const p = prefix();
  const { contracts } = await seed({
    out_contract_code_prefix: p,
    openid_prefix: `o-${p}-`,
    count: 1,
    balance_fen: balanceFen,
  });
  const c = contracts?.[0];
  if (!c) throw new Error('no contract seeded');
  return { contractId: c.contract_id, code: c.out_contract_code, openid: c.openid };
}

async function caught(p: Promise<unknown>): Promise<WechatPayApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof WechatPayApiError) return e;
    throw e;
  }
  throw new Error('expected a WechatPayApiError');
}

async function transactionNotification(outTradeNo: string): Promise<VerifiedNotification> {
  const match = (n: VerifiedNotification) =>
    n.kind === 'transaction' && n.transaction.out_trade_no === outTradeNo;
  const all = await receiver.waitFor((r) => r.some((x) => match(parser.parseSync(x.headers, x.body))));
  return all.map((x) => parser.parseSync(x.headers, x.body)).find(match) as VerifiedNotification;
}

const deduction = (contractId: string, total: number) => ({
  contract_id: contractId,
  out_trade_no: `DD${Date.now()}${++seq}`,
  description: '信用卡自动还款',
  transaction_notify_url: `${notifyUrl}/papay`,
  amount: { total },
});

async function notices(contractId: string): Promise<Array<Record<string, unknown>>> {
  const res = await call(`/sim/admin/contracts/${contractId}/notices`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { notices: Array<Record<string, unknown>> }).notices;
}

describe('bulk contract seeding (POST /sim/admin/contracts/bulk)', () => {
  it('creates signed contracts [start, start+count) the merchant can query, with the given balance', async () => {
    const p = prefix();
    const body = await seed({
      out_contract_code_prefix: p,
      openid_prefix: `o-${p}-`,
      count: 3,
      start: 5,
      balance_fen: 700,
    });
    expect(body.created).toBe(3);
    expect(body.contracts?.map((c) => [c.out_contract_code, c.openid])).toEqual([
      [`${p}5`, `o-${p}-5`],
      [`${p}6`, `o-${p}-6`],
      [`${p}7`, `o-${p}-7`],
    ]);
    for (const c of body.contracts ?? []) {
      expect(await client.papay.queryContract(PLAN, c.out_contract_code)).toMatchObject({
        contract_id: c.contract_id,
        contract_state: 'SIGNED',
        plan_id: PLAN,
        openid: c.openid,
      });
      const balance = await call(`/sim/payer/payers/${c.openid}/balance`);
      expect(await balance.json()).toEqual({ openid: c.openid, balance_fen: 700 });
    }
    expect(await caught(client.papay.queryContract(PLAN, `${p}4`))).toMatchObject({
      code: 'RESOURCE_NOT_EXISTS',
    });
  });

  it('sends no ENTRUST.SIGN; a seeded contract with a notify URL reports its later termination', async () => {
    const p = prefix();
    const { contracts } = await seed({
      out_contract_code_prefix: p,
      openid_prefix: `o-${p}-`,
      count: 2,
      contract_notify_url: `${notifyUrl}/contracts`,
    });
    const [first] = contracts ?? [];
    expect((await call(`/sim/payer/contracts/${first.contract_id}/terminate`, {}, null)).status).toBe(201);
    await receiver.waitFor((r) =>
      r.some((x) => {
        const n = parser.parseSync(x.headers, x.body);
        return n.kind === 'contract' && n.contract.contract_id === first.contract_id;
      }),
    );
    const aboutSeeded = receiver.received
      .map((x) => parser.parseSync(x.headers, x.body))
      .filter((n) => n.kind === 'contract' && n.contract.out_contract_code.startsWith(p));
    expect(aboutSeeded.map((n) => n.eventType)).toEqual(['ENTRUST.TERMINATE']);
  });

  it('leaves the list out above 1000 contracts; every one is still queryable by code', async () => {
    const p = prefix();
    const body = await seed({ out_contract_code_prefix: p, openid_prefix: `o-${p}-`, count: 1500 });
    expect(body).toEqual({ created: 1500 });
    expect(await client.papay.queryContract(PLAN, `${p}1499`)).toMatchObject({
      contract_state: 'SIGNED',
      openid: `o-${p}-1499`,
    });
  });

  it('refuses codes already used, creating nothing; a pre-sign cannot reuse a seeded code', async () => {
    const p = prefix();
    await seed({ out_contract_code_prefix: p, openid_prefix: 'o-', count: 2, start: 1 });
    const overlap = await call('/sim/admin/contracts/bulk', {
      plan_id: PLAN,
      out_contract_code_prefix: p,
      openid_prefix: 'o-',
      count: 4,
    });
    expect(overlap.status).toBe(409);
    expect(await overlap.json()).toMatchObject({ error: 'CONTRACT_CODE_USED' });
    expect(await caught(client.papay.queryContract(PLAN, `${p}0`))).toMatchObject({
      code: 'RESOURCE_NOT_EXISTS',
    }); // all or nothing: the free code before the overlap was not created either
    const presign = caught(
      client.papay.preEntrustSign({
        plan_id: PLAN,
        out_contract_code: `${p}2`,
        contract_display_account: '尾号0403',
        contract_notify_url: `${notifyUrl}/contracts`,
        sign_scene: 'SIGN_SCENE_APP',
      }),
    );
    expect(await presign).toMatchObject({ httpStatus: 400, code: 'INVALID_REQUEST' });
  });

  it('validates the request and needs the admin token', async () => {
    const ok = { plan_id: PLAN, out_contract_code_prefix: prefix(), openid_prefix: 'o-', count: 1 };
    expect((await call('/sim/admin/contracts/bulk', ok, null)).status).toBe(401);
    expect((await call('/sim/admin/contracts/bulk', { ...ok, count: 0 })).status).toBe(400);
    expect((await call('/sim/admin/contracts/bulk', { ...ok, count: 200_001 })).status).toBe(400);
    const tooLong = { ...ok, out_contract_code_prefix: 'P'.repeat(30), count: 100 }; // P…P99: 32 chars fit
    expect((await call('/sim/admin/contracts/bulk', { ...tooLong, count: 101 })).status).toBe(400);
    expect((await call('/sim/admin/contracts/bulk', tooLong)).status).toBe(201);
  });
});

describe('pre-deduction notices (GET /sim/admin/contracts/:id/notices)', () => {
  it('lists them oldest first; only the newest authorises a deduction and becomes used', async () => {
    const { contractId } = await oneContract();
    expect(await notices(contractId)).toEqual([]);
    for (const [amount, days] of [
      [10_000, 1],
      [20_000, 2],
    ])
      await client.papay.sendPreDeductionNotice(contractId, {
        deduct_duration: { count: days, unit: 'DAY' },
        estimated_amount: { amount },
      });
    expect(await notices(contractId)).toEqual([
      {
        estimated_amount: { amount: 10_000, currency: 'CNY' },
        deduct_days: 1,
        sent_at: expect.any(String),
        used: false,
      },
      {
        estimated_amount: { amount: 20_000, currency: 'CNY' },
        deduct_days: 2,
        sent_at: expect.any(String),
        used: false,
      },
    ]);
    const d = deduction(contractId, 15_000); // above the older estimate, within the newest
    await client.papay.applyDeduction(d);
    expect((await notices(contractId))[1]).toMatchObject({ used: false, reserved_by: d.out_trade_no });
    expect(await transactionNotification(d.out_trade_no)).toMatchObject({ eventType: 'TRANSACTION.SUCCESS' });
    expect((await notices(contractId)).map((n) => n.used)).toEqual([false, true]);
    // The older notice is still unused, but it no longer authorises anything.
    expect(await caught(client.papay.applyDeduction(deduction(contractId, 5_000)))).toMatchObject({
      httpStatus: 403,
      code: 'RULE_LIMIT',
    });
  });

  it('answers 404 for an unknown contract and needs the admin token', async () => {
    expect((await call('/sim/admin/contracts/202400000000000000000000/notices')).status).toBe(404);
    const { contractId } = await oneContract();
    expect((await call(`/sim/admin/contracts/${contractId}/notices`, undefined, null)).status).toBe(401);
  });
});

describe('deductions that cannot be paid', () => {
  const notice = (contractId: string, amount: number) =>
    client.papay.sendPreDeductionNotice(contractId, {
      deduct_duration: { count: 1, unit: 'DAY' },
      estimated_amount: { amount },
    });

  it('refuses a deduction for a terminated contract when it is applied for', async () => {
    const { contractId } = await oneContract();
    await notice(contractId, 30_000);
    expect((await call(`/sim/payer/contracts/${contractId}/terminate`, {}, null)).status).toBe(201);
    expect(await caught(client.papay.applyDeduction(deduction(contractId, 30_000)))).toMatchObject({
      httpStatus: 400,
      code: 'INVALID_REQUEST',
      wechatMessage: '签约关系已解除',
    });
  });

  it('fails a deduction whose contract ended while it was being processed (签约关系已解除)', async () => {
    const { contractId, code, openid } = await oneContract(50_000);
    await notice(contractId, 30_000);
    const d = deduction(contractId, 30_000);
    await client.papay.applyDeduction(d);
    await client.papay.terminateContract(PLAN, code, '用户申请解约');
    expect(await transactionNotification(d.out_trade_no)).toMatchObject({
      eventType: 'TRANSACTION.FAIL',
      transaction: { trade_state: 'PAY_FAIL', trade_state_desc: '签约关系已解除', trade_type: 'PAP' },
    });
    expect(await client.papay.queryDeduction(d.out_trade_no)).toMatchObject({
      trade_state: 'PAY_FAIL',
      trade_state_desc: '签约关系已解除',
    });
    expect(await (await call(`/sim/payer/payers/${openid}/balance`)).json()).toMatchObject({
      balance_fen: 50_000,
    });
  });

  it('fails a deduction above the seeded balance (用户余额不足) and keeps the balance', async () => {
    const { contractId, openid } = await oneContract(100);
    await notice(contractId, 30_000);
    const d = deduction(contractId, 30_000);
    await client.papay.applyDeduction(d);
    expect(await transactionNotification(d.out_trade_no)).toMatchObject({
      eventType: 'TRANSACTION.FAIL',
      transaction: { trade_state: 'PAY_FAIL', trade_state_desc: '用户余额不足' },
    });
    expect(await (await call(`/sim/payer/payers/${openid}/balance`)).json()).toMatchObject({
      balance_fen: 100,
    });
    expect((await notices(contractId)).map((n) => n.used)).toEqual([false]); // a failed deduction frees it
  });
});
