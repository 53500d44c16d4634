import { wechatErrors } from '../http/sim-api-error';
import { type KeyMaterial } from '../keys/key-material';
import { type NotificationDispatcher } from '../notifications/notification-dispatcher';
import { type ContractRecord, type ScheduleRecord } from '../store/sim-state';
import { type StateStore } from '../store/state-store';
import { ContractIndex } from './contract-index';
import { newCodeUrl, newContractId, newPreEntrustwebId } from './ids';
import { type MerchantChecks } from './merchant-checks';
import { PayerActionError } from './orders-service';
import { type PreEntrustSignBody } from './request-schemas';
import { contractView } from './views';
import { beijingTime } from './wechat-time';

/**
 * Papay contracts (sheet §6.2): pre-sign → the payer signs in WeChat (ENTRUST.SIGN) → query → termination by the
 * merchant or the payer (ENTRUST.TERMINATE). An out_contract_code is never reusable.
 */
export class ContractsService {
  private readonly index: ContractIndex;

  constructor(
    private readonly store: StateStore,
    private readonly keys: KeyMaterial,
    private readonly checks: MerchantChecks,
    private readonly dispatcher: NotificationDispatcher,
  ) {
    this.index = new ContractIndex(store.state.contracts);
  }

  preEntrustSign(body: PreEntrustSignBody): Record<string, unknown> {
    this.checks.appid(body.appid);
    this.checks.notifyUrl(body.contract_notify_url, 'contract_notify_url');
    if (this.codeUsed(body.plan_id, body.out_contract_code))
      throw wechatErrors.invalidRequest('out_contract_code已使用，不可重复签约');
    const id = newPreEntrustwebId();
    this.store.update((s) => {
      s.preSigns[id] = {
        pre_entrustweb_id: id,
        appid: body.appid,
        plan_id: body.plan_id,
        out_contract_code: body.out_contract_code,
        contract_display_account: body.contract_display_account,
        contract_notify_url: body.contract_notify_url,
        created_at: beijingTime(),
      };
    });
    return body.sign_scene === 'SIGN_SCENE_QRCODE'
      ? { pre_entrustweb_id: id, code_url: newCodeUrl() }
      : { pre_entrustweb_id: id };
  }

  /** The payer accepts the contract in WeChat. */
  payerSign(preEntrustwebId: string, openid: string): Record<string, unknown> {
    const pre = this.store.state.preSigns[preEntrustwebId];
    if (!pre) throw new PayerActionError('RESOURCE_NOT_EXISTS', 'no such pre-sign');
    if (pre.contract_id) throw new PayerActionError('ALREADY_SIGNED', 'this pre-sign was already used');
    const contract: ContractRecord = {
      contract_id: newContractId(),
      mchid: this.keys.merchant.mchid,
      appid: pre.appid,
      plan_id: pre.plan_id,
      out_contract_code: pre.out_contract_code,
      contract_display_account: pre.contract_display_account,
      contract_notify_url: pre.contract_notify_url,
      openid,
      contract_signed_time: beijingTime(),
      contract_state: 'SIGNED',
    };
    this.store.update(() => {
      this.add(contract);
      pre.contract_id = contract.contract_id;
    });
    this.notifyContract(contract, 'ENTRUST.SIGN', '签约成功');
    return contractView(contract);
  }

  queryContract(planId: string, outContractCode: string): Record<string, unknown> {
    const c = this.byCode(planId, outContractCode);
    const schedule = this.store.state.schedules[c.contract_id];
    return schedule ? { ...contractView(c), deduct_schedule: scheduleSummary(schedule) } : contractView(c);
  }

  terminateByMerchant(
    planId: string,
    outContractCode: string,
    appid: string,
    remark: string,
  ): Record<string, unknown> {
    this.checks.appid(appid);
    const c = this.byCode(planId, outContractCode);
    this.terminate(c, 'MCH_API_TERMINATE', remark);
    return contractView(c);
  }

  terminateByPayer(contractId: string): Record<string, unknown> {
    const c = this.store.state.contracts[contractId];
    if (!c) throw new PayerActionError('RESOURCE_NOT_EXISTS', 'no such contract');
    this.terminate(c, 'USER_TERMINATE', '用户主动解约');
    return contractView(c);
  }

  /** A contract that exists and is SIGNED, or the WeChat error for it. */
  signed(contractId: string): ContractRecord {
    const c = this.store.state.contracts[contractId];
    if (!c) throw wechatErrors.resourceNotExists('签约关系不存在');
    if (c.contract_state !== 'SIGNED') throw wechatErrors.invalidRequest('签约关系已解除');
    return c;
  }

  /** Whether a contract (in any state) already has this code: a code is never reusable. */
  codeUsed(planId: string, outContractCode: string): boolean {
    return this.index.contractId(planId, outContractCode) !== undefined;
  }

  /** Stores a new contract and indexes it; the one way contracts enter the state. Call inside `store.update`. */
  add(contract: ContractRecord): void {
    this.store.state.contracts[contract.contract_id] = contract;
    this.index.add(contract);
  }

  private terminate(c: ContractRecord, mode: string, remark: string): void {
    if (c.contract_state !== 'SIGNED') throw wechatErrors.invalidRequest('签约关系已解除');
    this.store.update(() => {
      c.contract_state = 'TERMINATED';
      c.contract_terminate_info = {
        contract_termination_mode: mode,
        contract_terminated_time: beijingTime(),
        contract_termination_remark: remark,
      };
    });
    this.notifyContract(c, 'ENTRUST.TERMINATE', '解约成功');
  }

  private notifyContract(c: ContractRecord, eventType: string, summary: string): void {
    if (!c.contract_notify_url) return; // seeded in bulk without a notify URL: nobody to tell
    this.dispatcher.enqueue({
      url: c.contract_notify_url,
      eventType,
      summary,
      originalType: 'entrust',
      associatedData: 'entrust',
      resource: contractView(c),
    });
  }

  private byCode(planId: string, outContractCode: string): ContractRecord {
    const id = this.index.contractId(planId, outContractCode);
    const c = id === undefined ? undefined : this.store.state.contracts[id];
    if (!c) throw wechatErrors.resourceNotExists('签约关系不存在');
    return c;
  }
}

function scheduleSummary(s: ScheduleRecord): Record<string, unknown> {
  return {
    schedule_state: s.schedule_state,
    scheduled_amount: s.schedule_amount,
    estimated_deduct_date: s.deduct_start_date,
  };
}
