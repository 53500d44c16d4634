import { join } from 'path';
import {
  CreatePlanRequest,
  IngestStatementRequest,
  ListRunsRequest,
  Mode,
  type Run,
  RunStatus,
} from '@wxpay/contracts';
import { workspaceRoot } from '@wxpay/testing';
import {
  createWechatPayClientFromEnv,
  wechatPayMerchantEnvShape,
  withWechatPayDevBundle,
  type WechatPayClient,
} from '@wxpay/wechatpay';
import { z } from 'zod';
import {
  ADDRESSES,
  type AutoRepayment,
  beijing,
  cardAccount,
  type DemoCard,
  demoKey,
  http,
  masked,
  newCard,
  show,
  step,
  type Vault,
  yuan,
  yuanOf,
} from './demo-support';

/** The papay template the simulator signs contracts under (any id works there; a real one comes from WeChat Pay). */
const WECHAT_PLAN_ID = '12535';
const AMOUNT_DUE = 123_456;
const MINIMUM_DUE = 12_346;
const WALLET = 500_000;
/** Statuses after which a run never reaches REPAID: the demo stops and says why. */
const DEAD_ENDS: readonly RunStatus[] = [
  RunStatus.FAILED,
  RunStatus.SKIPPED,
  RunStatus.POSTING_FAILED,
  RunStatus.REPAID_MANUALLY,
];

/** The bank's merchant client, from the keys the WeChat Pay simulator wrote on its first start. */
function merchantClient(): WechatPayClient {
  const bundle =
    process.env.WECHATPAY_DEV_BUNDLE ?? join(workspaceRoot(), '.data/wechatpay-sim/merchant-bundle.json');
  const env = z
    .object(wechatPayMerchantEnvShape)
    .safeParse(
      withWechatPayDevBundle({ WECHATPAY_DEV_BUNDLE: bundle, WECHATPAY_BASE_URL: ADDRESSES.wechatpaySim }),
    );
  if (!env.success) throw new Error(`no usable merchant bundle at ${bundle} (has wechatpay-sim started?)`);
  return createWechatPayClientFromEnv(env.data);
}

/** The cardholder signs a papay contract in WeChat: pre-sign by the bank, then the payer's signature. */
async function signContract(card: DemoCard): Promise<{ outContractCode: string; openid: string }> {
  const outContractCode = `C${demoKey().slice(5, 25)}`;
  const openid = `oDemo${demoKey().slice(5, 28)}`;
  const pre = await merchantClient().papay.preEntrustSign({
    plan_id: WECHAT_PLAN_ID,
    out_contract_code: outContractCode,
    contract_display_account: `信用卡尾号${card.pan.slice(-4)}`,
    contract_notify_url: `${ADDRESSES.paymentHttp}/notify/wechatpay/papay`,
    sign_scene: 'SIGN_SCENE_APP',
  });
  const signed = await http<{ contract_id: string }>(
    'POST',
    `${ADDRESSES.wechatpaySim}/sim/payer/contracts/${pre.pre_entrustweb_id}/sign`,
    { openid },
  );
  show('papay contract', `${signed.contract_id} signed by ${openid} (${outContractCode})`);
  await http('PUT', `${ADDRESSES.wechatpaySim}/sim/payer/payers/${openid}/balance`, { balance_fen: WALLET });
  return { outContractCode, openid };
}

async function wallet(openid: string): Promise<string> {
  const b = await http<{ balance_fen: number }>(
    'GET',
    `${ADDRESSES.wechatpaySim}/sim/payer/payers/${openid}/balance`,
  );
  return yuanOf(b.balance_fen);
}

async function account(card: DemoCard): Promise<string> {
  const a = await cardAccount(card.accountId);
  return `owes ${yuanOf(a.balance.minor)}, available ${yuanOf(a.available.minor)}`;
}

/** Business time at the repayment service (REPAYMENT_CLOCK=controllable); it only moves forward. */
async function clock(now?: string): Promise<Date> {
  const url = `${ADDRESSES.repaymentHttp}/admin/clock`;
  const r = now
    ? await http<{ now: string }>('POST', url, { now })
    : await http<{ now: string; controllable: boolean }>('GET', url);
  if ('controllable' in r && !r.controllable)
    throw new Error('the repayment clock is the system clock; start it with REPAYMENT_CLOCK=controllable');
  return new Date(r.now);
}

/** Polls the run and prints every status it passes through until one of `wanted`. */
async function follow(
  repayment: AutoRepayment,
  statementId: string,
  wanted: RunStatus,
  from: RunStatus,
): Promise<Run> {
  const deadline = Date.now() + 60_000;
  let last = from;
  for (;;) {
    const { runs } = await repayment.listRuns(ListRunsRequest.fromPartial({ statement_id: statementId }), {
      deadlineMs: 5000,
    });
    const run = runs[0]!;
    if (run.status !== last) {
      show('run', `${last} → ${run.status}${run.status_reason ? ` (${run.status_reason})` : ''}`);
      last = run.status;
    }
    if (run.status === wanted) return run;
    if (DEAD_ENDS.includes(run.status) || Date.now() > deadline)
      throw new Error(`run ${statementId} is ${run.status}, expected ${wanted}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * Part 4: a papay contract and a repayment plan for a card (as the channel), a statement (as the card system),
 * then business time moved to the pre-deduction notice and to the deduction day; the run goes SCHEDULED →
 * NOTICE_SENT → REPAID and the money moves from the payer's WeChat balance to the card account.
 */
export async function autoRepaymentDemo(
  repayment: AutoRepayment,
  vault: Vault,
  cardSystem: AutoRepayment,
): Promise<void> {
  // Plans are the channel's to manage; statements come from the issuer's card system (the caller table).

  step('4. Automatic repayment of a statement (WeChat Pay papay)');
  const card = await newCard(vault, 5_000_000, AMOUNT_DUE);
  show('card', `${masked(card.pan)} → ${card.token}`);
  const contract = await signContract(card);
  const plan = await repayment.createPlan(
    CreatePlanRequest.fromPartial({
      idempotency_key: demoKey(),
      card_token: card.token,
      contract: { wechat_plan_id: WECHAT_PLAN_ID, out_contract_code: contract.outContractCode },
      mode: Mode.FULL,
      days_before_due: 3,
    }),
    { deadlineMs: 20_000 },
  );
  show('CreatePlan', `${plan.plan_id} ${plan.status}, ${plan.mode}, ${plan.days_before_due} days before due`);

  const today = await clock();
  const dueDate = new Date(today.getTime() + (8 + 10 * 24) * 3600_000).toISOString().slice(0, 10);
  const statementId = `st-${demoKey()}`;
  const ingested = await cardSystem.ingestStatement(
    IngestStatementRequest.fromPartial({
      statement_id: statementId,
      card_token: card.token,
      amount_due: { amount_minor: String(AMOUNT_DUE), currency: 'CNY' },
      minimum_due: { amount_minor: String(MINIMUM_DUE), currency: 'CNY' },
      due_date: dueDate,
    }),
    { deadlineMs: 20_000 },
  );
  show(
    'IngestStatement',
    `${statementId}: ${yuanOf(AMOUNT_DUE)} due ${dueDate} (business time ${beijing(today)})`,
  );
  show('run', `${ingested.status}, target ${yuan(ingested.target)}`);
  show('notice at', beijing(ingested.notice_at));
  show('deduction at', beijing(ingested.deduct_at));
  show('WeChat balance', await wallet(contract.openid));
  show('card account', await account(card));

  await clock(new Date(ingested.notice_at).toISOString());
  show('clock', `moved to ${beijing(ingested.notice_at)}`);
  await follow(repayment, statementId, RunStatus.NOTICE_SENT, ingested.status);

  await clock(new Date(ingested.deduct_at).toISOString());
  show('clock', `moved to ${beijing(ingested.deduct_at)}`);
  const repaid = await follow(repayment, statementId, RunStatus.REPAID, RunStatus.NOTICE_SENT);
  for (const a of repaid.attempts)
    show(`attempt ${a.seq}`, `${a.kind} ${a.state} ${yuan(a.amount)} (${a.out_trade_no})`);
  show('repaid', yuan(repaid.repaid));
  show('WeChat balance', await wallet(contract.openid));
  show('card account', await account(card));
}
