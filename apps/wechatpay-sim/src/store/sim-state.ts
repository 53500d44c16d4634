/*
 * Everything the simulator must remember across restarts, as one JSON document. Amounts are integer fen.
 * Records keep WeChat's field names where they map 1:1 onto API answers.
 */

export type OrderTradeType = 'JSAPI' | 'NATIVE' | 'PAP';
export type OrderState = 'NOTPAY' | 'SUCCESS' | 'REFUND' | 'CLOSED' | 'PAYERROR' | 'ACCEPT' | 'PAY_FAIL';

export interface OrderRecord {
  readonly out_trade_no: string;
  readonly appid: string;
  readonly mchid: string;
  readonly trade_type: OrderTradeType;
  /** sha256 of the first request's canonical JSON: re-posting must repeat it exactly. */
  readonly fingerprint: string;
  readonly description: string;
  readonly notify_url: string;
  readonly amount: { readonly total: number; readonly currency: string };
  readonly attach?: string;
  readonly payer_openid?: string;
  readonly contract_id?: string;
  readonly created_at: string;
  trade_state: OrderState;
  trade_state_desc?: string;
  transaction_id?: string;
  success_time?: string;
  bank_type?: string;
  /** Set once paid; used by the payer when the order did not name one (Native). */
  paid_by?: string;
  refunded_total: number;
  refund_count: number;
  /** PAP only: epoch ms at which the accepted deduction is processed (simulated delay, time-scaled). */
  process_at?: number;
  /** PAP only: the funding the merchant excluded (`limit_pay`), honoured when the deduction is processed. */
  readonly limit_pay?: readonly LimitPay[];
}

export type LimitPay = 'no_balance' | 'no_credit' | 'no_debit' | 'balance_only';

/** A credit card the payer bound in WeChat Pay: what a deduction may draw on after the change balance. */
export interface CreditCardRecord {
  available_fen: number;
  /** The `bank_type` a payment drawn on it reports (e.g. `ICBC_CREDIT`). */
  readonly bank_type: string;
}

export type RefundState = 'PROCESSING' | 'SUCCESS' | 'CLOSED' | 'ABNORMAL';

export interface RefundRecord {
  readonly out_refund_no: string;
  readonly refund_id: string;
  readonly out_trade_no: string;
  readonly transaction_id: string;
  readonly fingerprint: string;
  readonly amount: { readonly refund: number; readonly total: number; readonly currency: string };
  readonly notify_url?: string;
  readonly reason?: string;
  readonly create_time: string;
  /** Decided at creation (admin fault or SUCCESS), applied when the refund completes. */
  readonly planned_outcome: Exclude<RefundState, 'PROCESSING'>;
  /** Epoch ms at which it completes (simulated delay, time-scaled). */
  readonly complete_at: number;
  status: RefundState;
  success_time?: string;
  user_received_account?: string;
}

export type ContractState = 'SIGNED' | 'TERMINATED';

export interface PreSignRecord {
  readonly pre_entrustweb_id: string;
  readonly appid: string;
  readonly plan_id: string;
  readonly out_contract_code: string;
  readonly contract_display_account: string;
  readonly contract_notify_url: string;
  readonly created_at: string;
  contract_id?: string;
}

export interface ContractRecord {
  readonly contract_id: string;
  readonly mchid: string;
  readonly appid: string;
  readonly plan_id: string;
  readonly out_contract_code: string;
  readonly contract_display_account: string;
  readonly contract_notify_url: string;
  readonly openid: string;
  readonly contract_signed_time: string;
  contract_state: ContractState;
  contract_terminate_info?: {
    contract_termination_mode: string;
    contract_terminated_time: string;
    contract_termination_remark?: string;
  };
}

export interface ScheduleRecord {
  readonly contract_id: string;
  schedule_state: 'SCHEDULED' | 'PAID' | 'EXPIRED';
  schedule_amount: { total: number; currency: string };
  deduct_start_date: string;
  deduct_end_date: string;
  /** out_trade_no of the deduction holding it while ACCEPT (one deduction per schedule). */
  reserved_by?: string;
}

export interface NoticeRecord {
  readonly contract_id: string;
  readonly estimated_amount: { readonly amount: number; readonly currency: string };
  readonly deduct_days: number;
  readonly sent_at: string;
  used: boolean;
  reserved_by?: string;
}

/** A notification still to be delivered (first attempt or a retry). */
export interface PendingDelivery {
  /** Notification id; kept across retries (assumption: WeChat does not document it). */
  readonly id: string;
  readonly url: string;
  readonly event_type: string;
  readonly summary: string;
  readonly original_type: string;
  readonly associated_data: string;
  readonly create_time: string;
  /** Plain JSON of the resource; encrypted afresh for every attempt. */
  readonly resource: string;
  /** 0 = first delivery, n = n-th retry. */
  attempt: number;
  /** Epoch ms (real time, after time scaling). */
  next_attempt_at: number;
}

export interface SimState {
  version: 1;
  orders: Record<string, OrderRecord>;
  transactionIndex: Record<string, string>;
  refunds: Record<string, RefundRecord>;
  preSigns: Record<string, PreSignRecord>;
  contracts: Record<string, ContractRecord>;
  schedules: Record<string, ScheduleRecord>;
  /** Per contract, the last few pre-deduction notices, oldest first; only the newest can authorise a deduction. */
  notices: Record<string, NoticeRecord[]>;
  /** The payer's change (零钱) balance, by openid. */
  balances: Record<string, number>;
  /** The payer's bound credit card, by openid; none when absent. */
  creditCards: Record<string, CreditCardRecord>;
  deliveries: Record<string, PendingDelivery>;
  sequence: number;
}

export function emptyState(): SimState {
  return {
    version: 1,
    orders: {},
    transactionIndex: {},
    refunds: {},
    preSigns: {},
    contracts: {},
    schedules: {},
    notices: {},
    balances: {},
    creditCards: {},
    deliveries: {},
    sequence: 0,
  };
}

/**
 * A state file as read from disk, brought to the current shape: collections added since it was written start
 * empty, and notices written as one record per contract (before the history list) become one-entry lists.
 */
export function normalizeLoadedState(loaded: SimState): SimState {
  const state: SimState = { ...emptyState(), ...loaded };
  const notices = state.notices as Record<string, NoticeRecord[] | NoticeRecord>;
  for (const [contractId, n] of Object.entries(notices)) {
    if (!Array.isArray(n)) state.notices[contractId] = [n];
  }
  return state;
}
