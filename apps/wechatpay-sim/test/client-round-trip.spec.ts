import { uniqueTestPan } from '@wxpay/testing';
import {
  VerificationFailure,
  WechatPayApiError,
  type WechatPayClient,
  type WechatPayNotificationParser,
  type VerifiedNotification,
} from '@wxpay/wechatpay';
import { type RunningSim } from '../src/sim-app';
import {
  NotifyReceiver,
  merchantClient,
  removeDir,
  simPost,
  startTestSim,
  tempDataDir,
} from './support/sim-harness';

let dir: string;
let sim: RunningSim;
let client: WechatPayClient;
let parser: WechatPayNotificationParser;
const receiver = new NotifyReceiver();
let notifyUrl: string;
let seq = 0;
const orderNo = () => `ORDER${Date.now()}${++seq}`;

beforeAll(async () => {
  dir = await tempDataDir();
  sim = await startTestSim(dir, { WECHATPAY_SIM_KEY_MODE: 'public-key' });
  client = merchantClient(sim);
  parser = client.notificationParser();
  notifyUrl = `${await receiver.start()}/notify/wechatpay`;
});

afterAll(async () => {
  await sim.close();
  await receiver.stop();
  await removeDir(dir);
});

/** The next notification for a business key, verified and decrypted by the library as the webhook would. */
async function notificationWhere(match: (n: VerifiedNotification) => boolean): Promise<VerifiedNotification> {
  const seen: VerifiedNotification[] = [];
  await receiver.waitFor((all) => {
    seen.length = 0;
    for (const r of all) seen.push(parser.parseSync(r.headers, r.body));
    return seen.some(match);
  });
  return seen.find(match) as VerifiedNotification;
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

const order = (out_trade_no: string, total = 1999) => ({
  description: '信用卡消费',
  out_trade_no,
  notify_url: `${notifyUrl}/transactions`,
  amount: { total },
});

describe('payments', () => {
  it('JSAPI order → payer pays → TRANSACTION.SUCCESS → queries by both ids', async () => {
    const no = orderNo();
    const { prepay_id } = await client.payments.createJsapiOrder({
      ...order(no),
      payer: { openid: 'o-payer-1' },
    });
    expect(prepay_id).toMatch(/^wx\d{14}/);
    expect(client.payments.jsapiInvokeParams(prepay_id)).toMatchObject({
      package: `prepay_id=${prepay_id}`,
      signType: 'RSA',
    });
    expect(await client.payments.queryByOutTradeNo(no)).toMatchObject({
      trade_state: 'NOTPAY',
      out_trade_no: no,
    });

    expect((await simPost(sim, `/sim/payer/orders/${no}/pay`, { bank_type: 'CMB_CREDIT' })).status).toBe(201);
    const n = await notificationWhere((x) => x.kind === 'transaction' && x.transaction.out_trade_no === no);
    if (n.kind !== 'transaction') throw new Error('unreachable');
    expect(n.eventType).toBe('TRANSACTION.SUCCESS');
    expect(n.transaction).toMatchObject({
      trade_state: 'SUCCESS',
      trade_type: 'JSAPI',
      bank_type: 'CMB_CREDIT',
      amount: { total: 1999 },
      payer: { openid: 'o-payer-1' },
    });
    expect(n.meta.keyKind).toBe('public-key');

    const byId = await client.payments.queryByTransactionId(n.transaction.transaction_id as string);
    expect(byId).toMatchObject({ out_trade_no: no, trade_state: 'SUCCESS' });
  });

  it('JSAPI order with an encrypted payer identity (Wechatpay-Serial names the key)', async () => {
    const no = orderNo();
    const identity = { type: 'IDCARD' as const, number: '110101199003077777', name: '张三' };
    await expect(
      client.payments.createJsapiOrder({ ...order(no), payer: { openid: 'o-1', identity } }),
    ).resolves.toHaveProperty('prepay_id');
  });

  it('Native order → code_url; identical re-post accepted, different parameters refused', async () => {
    const no = orderNo();
    expect((await client.payments.createNativeOrder(order(no))).code_url).toMatch(
      /^weixin:\/\/wxpay\/bizpayurl\?pr=/,
    );
    await expect(client.payments.createNativeOrder(order(no))).resolves.toHaveProperty('code_url');
    const e = await caught(client.payments.createNativeOrder(order(no, 2000)));
    expect(e).toMatchObject({ httpStatus: 400, code: 'INVALID_REQUEST' });
    expect(e.requestId).toMatch(/-\d+$/);
  });

  it('never sends a card number in an order’s description or attach: refused before signing, no order made', async () => {
    const pan = uniqueTestPan('622202', 16);
    const no = orderNo();
    await expect(
      client.payments.createNativeOrder({
        ...order(no),
        description: `card ${pan.match(/.{4}/g)!.join('-')}`,
      }),
    ).rejects.toThrow('description must not contain a card number');
    await expect(client.payments.createNativeOrder({ ...order(no), attach: pan })).rejects.toThrow(
      'attach must not contain a card number',
    );
    expect(await caught(client.payments.queryByOutTradeNo(no))).toMatchObject({ httpStatus: 404 });
  });

  it('close → 204 and CLOSED; re-ordering a closed order → ORDER_CLOSED', async () => {
    const no = orderNo();
    await client.payments.createNativeOrder(order(no));
    await expect(client.payments.closeOrder(no)).resolves.toBeUndefined();
    expect(await client.payments.queryByOutTradeNo(no)).toMatchObject({ trade_state: 'CLOSED' });
    expect(await caught(client.payments.createNativeOrder(order(no)))).toMatchObject({
      httpStatus: 400,
      code: 'ORDER_CLOSED',
    });
  });

  it('failed payment → PAYERROR without a notification; insufficient balance leaves NOTPAY', async () => {
    const failed = orderNo();
    const short = orderNo();
    await client.payments.createNativeOrder(order(failed));
    await client.payments.createNativeOrder(order(short));
    expect((await simPost(sim, `/sim/payer/orders/${failed}/fail`)).status).toBe(201);
    const r = await simPost(sim, `/sim/payer/orders/${short}/insufficient-balance`);
    expect(r.status).toBe(409);
    expect(await client.payments.queryByOutTradeNo(failed)).toMatchObject({ trade_state: 'PAYERROR' });
    expect(await client.payments.queryByOutTradeNo(short)).toMatchObject({ trade_state: 'NOTPAY' });
  });

  it('unknown orders → 404 ORDER_NOT_EXIST with WeChat code and message', async () => {
    expect(await caught(client.payments.queryByOutTradeNo('NOSUCHORDER1'))).toMatchObject({
      httpStatus: 404,
      code: 'ORDER_NOT_EXIST',
      wechatMessage: '订单不存在',
    });
    expect(await caught(client.payments.queryByTransactionId('4200000000000000000000000000'))).toMatchObject({
      httpStatus: 404,
    });
  });
});

describe('refunds', () => {
  async function paidOrder(total = 1000): Promise<string> {
    const no = orderNo();
    await client.payments.createNativeOrder(order(no, total));
    await simPost(sim, `/sim/payer/orders/${no}/pay`);
    return no;
  }

  it('create → PROCESSING → REFUND.SUCCESS notification → query SUCCESS; same out_refund_no refunds once', async () => {
    const no = await paidOrder();
    const req = {
      out_trade_no: no,
      out_refund_no: `R${no}`,
      notify_url: `${notifyUrl}/refunds`,
      amount: { refund: 400, total: 1000 },
    };
    const created = await client.refunds.create(req);
    expect(created).toMatchObject({ status: 'PROCESSING', amount: { refund: 400, total: 1000 } });
    expect((await client.refunds.create(req)).refund_id).toBe(created.refund_id);

    const n = await notificationWhere((x) => x.kind === 'refund' && x.refund.out_refund_no === `R${no}`);
    expect(n).toMatchObject({
      kind: 'refund',
      eventType: 'REFUND.SUCCESS',
      refund: { refund_status: 'SUCCESS' },
    });
    expect(await client.refunds.query(`R${no}`)).toMatchObject({ status: 'SUCCESS' });
    expect(await client.payments.queryByOutTradeNo(no)).toMatchObject({ trade_state: 'REFUND' });
  });

  it('refuses refunding more than is left, and ends ABNORMAL when a fault plans it', async () => {
    const no = await paidOrder();
    await client.refunds.create({
      out_trade_no: no,
      out_refund_no: `A${no}`,
      amount: { refund: 900, total: 1000 },
    });
    expect(
      await caught(
        client.refunds.create({
          out_trade_no: no,
          out_refund_no: `B${no}`,
          amount: { refund: 200, total: 1000 },
        }),
      ),
    ).toMatchObject({ httpStatus: 400, code: 'INVALID_REQUEST' });

    await simPost(sim, '/sim/admin/faults', { refundOutcomes: ['ABNORMAL'] });
    const txn = await client.payments.queryByOutTradeNo(no);
    await client.refunds.create({
      transaction_id: txn.transaction_id as string,
      out_refund_no: `C${no}`,
      notify_url: `${notifyUrl}/refunds`,
      amount: { refund: 100, total: 1000 },
    });
    const n = await notificationWhere((x) => x.kind === 'refund' && x.refund.out_refund_no === `C${no}`);
    expect(n.eventType).toBe('REFUND.ABNORMAL');
  });

  it('unknown refund → 404 RESOURCE_NOT_EXISTS', async () => {
    expect(await caught(client.refunds.query('NOSUCHREFUND'))).toMatchObject({
      httpStatus: 404,
      code: 'RESOURCE_NOT_EXISTS',
    });
  });
});

describe('papay (contract deduction)', () => {
  const PLAN = '12535';

  async function signedContract(openid: string): Promise<{ contractId: string; code: string }> {
    const code = `OC${orderNo()}`;
    const { pre_entrustweb_id } = await client.papay.preEntrustSign({
      plan_id: PLAN,
      out_contract_code: code,
      contract_display_account: '招商银行信用卡(尾号0403)',
      contract_notify_url: `${notifyUrl}/papay`,
      sign_scene: 'SIGN_SCENE_APP',
    });
    expect((await simPost(sim, `/sim/payer/contracts/${pre_entrustweb_id}/sign`, { openid })).status).toBe(
      201,
    );
    const n = await notificationWhere((x) => x.kind === 'contract' && x.contract.out_contract_code === code);
    expect(n).toMatchObject({ eventType: 'ENTRUST.SIGN', contract: { contract_state: 'SIGNED', openid } });
    const c = await client.papay.queryContract(PLAN, code);
    expect(c).toMatchObject({ contract_state: 'SIGNED', plan_id: PLAN });
    return { contractId: c.contract_id, code };
  }

  it('schedule → deduction → TRANSACTION.SUCCESS (PAP) → query; a second deduction on the same schedule is refused', async () => {
    const { contractId } = await signedContract('o-repay-1');
    expect(await client.papay.querySchedule(contractId)).toMatchObject({ schedule_state: 'NO_SCHEDULED' });
    expect(await client.papay.scheduleDeduction(contractId, { total: 50_000 })).toMatchObject({
      schedule_state: 'SCHEDULED',
    });
    expect(await client.papay.querySchedule(contractId)).toMatchObject({
      schedule_amount: { total: 50_000 },
    });

    const no = orderNo();
    const deduction = {
      contract_id: contractId,
      out_trade_no: no,
      description: '信用卡自动还款',
      transaction_notify_url: `${notifyUrl}/papay`,
      amount: { total: 50_000 },
    };
    expect(await client.papay.applyDeduction(deduction)).toEqual({
      out_trade_no: no,
      amount: { total: 50_000, currency: 'CNY' },
    });
    const n = await notificationWhere((x) => x.kind === 'transaction' && x.transaction.out_trade_no === no);
    expect(n).toMatchObject({
      eventType: 'TRANSACTION.SUCCESS',
      transaction: { trade_type: 'PAP', trade_state: 'SUCCESS', contract_id: contractId },
    });
    expect(await client.papay.queryDeduction(no)).toMatchObject({
      trade_state: 'SUCCESS',
      trade_type: 'PAP',
    });
    expect(await client.papay.querySchedule(contractId)).toMatchObject({ schedule_state: 'PAID' });
    await expect(client.papay.applyDeduction(deduction)).resolves.toMatchObject({ out_trade_no: no }); // idempotent
    expect(
      await caught(client.papay.applyDeduction({ ...deduction, out_trade_no: orderNo() })),
    ).toMatchObject({
      httpStatus: 403,
      code: 'RULE_LIMIT',
    });
  });

  it('pre-deduction notice → deduction with insufficient balance → TRANSACTION.FAIL; fail-notify; terminate', async () => {
    const openid = 'o-repay-poor';
    await simPost(sim, `/sim/payer/payers/${openid}/balance`, { balance_fen: 100 }, 'PUT');
    const { contractId, code } = await signedContract(openid);
    await client.papay.sendPreDeductionNotice(contractId, {
      deduct_duration: { count: 1, unit: 'DAY' },
      estimated_amount: { amount: 30_000 },
    });
    const no = orderNo();
    await client.papay.applyDeduction({
      contract_id: contractId,
      out_trade_no: no,
      description: '信用卡自动还款',
      transaction_notify_url: `${notifyUrl}/papay`,
      amount: { total: 30_000 },
    });
    const n = await notificationWhere((x) => x.kind === 'transaction' && x.transaction.out_trade_no === no);
    expect(n).toMatchObject({
      eventType: 'TRANSACTION.FAIL',
      transaction: { trade_state: 'PAY_FAIL', trade_type: 'PAP' },
    });
    await expect(client.papay.sendDeductionFailureNotice(contractId)).resolves.toBeUndefined();

    const terminated = await client.papay.terminateContract(PLAN, code, '用户申请解约');
    expect(terminated).toMatchObject({
      contract_state: 'TERMINATED',
      contract_terminate_info: { contract_termination_mode: 'MCH_API_TERMINATE' },
    });
    const t = await notificationWhere(
      (x) =>
        x.kind === 'contract' && x.eventType === 'ENTRUST.TERMINATE' && x.contract.contract_id === contractId,
    );
    expect(t.kind).toBe('contract');
    expect(await caught(client.papay.scheduleDeduction(contractId, { total: 1 }))).toMatchObject({
      httpStatus: 400,
    });
  });
});

describe('transport faults and response verification against the simulator', () => {
  it('retries a query through an injected 503 and 429', async () => {
    const no = orderNo();
    await client.payments.createNativeOrder(order(no));
    await simPost(sim, '/sim/admin/faults', {
      api: [
        { kind: 'http5xx', status: 503, times: 1, method: 'GET', pathPrefix: '/v3/pay/transactions' },
        { kind: 'http429', times: 1, method: 'GET', pathPrefix: '/v3/pay/transactions' },
      ],
    });
    await expect(client.payments.queryByOutTradeNo(no)).resolves.toMatchObject({ trade_state: 'NOTPAY' });
  });

  it('a hung call becomes a TIMEOUT transport error', async () => {
    const hurried = merchantClient(sim, 'public-key', { attemptTimeoutMs: 100, maxAttempts: 1 });
    await simPost(sim, '/sim/admin/faults', {
      api: [{ kind: 'timeout', times: 1, hangMs: 5_000, pathPrefix: '/v3/refund' }],
    });
    await expect(hurried.refunds.query('ANY')).rejects.toMatchObject({ kind: 'TIMEOUT' });
    await simPost(sim, '/sim/admin/faults', {}, 'DELETE');
  });

  it.each([
    ['signtest', VerificationFailure.SIGNTEST_PROBE],
    ['bad-signature', VerificationFailure.BAD_SIGNATURE],
  ])('an answer with a %s signature is rejected', async (kind, code) => {
    await simPost(sim, '/sim/admin/faults', { api: [{ kind, times: 1, pathPrefix: '/v3/refund' }] });
    await expect(client.refunds.query('NOSUCHREFUND')).rejects.toMatchObject({ code: 'RESOURCE_NOT_EXISTS' }); // errors are not verified
    await simPost(sim, '/sim/admin/faults', { api: [{ kind, times: 1, pathPrefix: '/v3/pay' }] });
    const no = orderNo();
    await expect(client.payments.createNativeOrder(order(no))).rejects.toMatchObject({ code });
  });
});
