import { z } from 'zod';
import { type KeyMaterial } from '../keys/key-material';
import { type ContractRecord } from '../store/sim-state';
import { type StateStore } from '../store/state-store';
import { type ContractsService } from './contracts-service';
import { newContractId } from './ids';
import { PayerActionError } from './orders-service';
import { notifyUrlSchema } from './request-schemas';
import { beijingTime } from './wechat-time';

export const MAX_BULK_CONTRACTS = 200_000;
/** Above this many, the answer leaves out the per-contract list (the caller queries by out_contract_code). */
const LISTED_UP_TO = 1000;

export const bulkContractsSchema = z
  .object({
    plan_id: z.union([z.string().min(1), z.number().int()]).transform(String),
    out_contract_code_prefix: z.string().min(1).max(32),
    openid_prefix: z.string().min(1).max(100),
    count: z.number().int().min(1).max(MAX_BULK_CONTRACTS),
    start: z.number().int().min(0).default(0),
    /** Wallet balance (fen) set for every seeded payer; absent: the default balance applies. */
    balance_fen: z.number().int().min(0).optional(),
    /** Where ENTRUST.TERMINATE goes if a seeded contract is terminated later; absent: not notified. */
    contract_notify_url: notifyUrlSchema.optional(),
    contract_display_account: z.string().min(1).max(32).default('尾号0000'),
  })
  // WeChat caps out_contract_code at 32 characters; the longest generated code must fit too.
  .refine((b) => `${b.out_contract_code_prefix}${b.start + b.count - 1}`.length <= 32, {
    message: 'out_contract_code_prefix + the largest index must fit in 32 characters',
    path: ['out_contract_code_prefix'],
  });
export type BulkContractsBody = z.infer<typeof bulkContractsSchema>;

export interface SeededContract {
  readonly out_contract_code: string;
  readonly contract_id: string;
  readonly openid: string;
}

/**
 * Signed contracts created directly, for benchmarks that need many payers: no pre-sign and no ENTRUST.SIGN
 * notification (they were "signed earlier"). All or nothing: if any generated code is already used for the plan,
 * nothing is created.
 */
export class ContractSeeder {
  constructor(
    private readonly store: StateStore,
    private readonly keys: KeyMaterial,
    private readonly contracts: ContractsService,
  ) {}

  seed(body: BulkContractsBody): { created: number; contracts?: SeededContract[] } {
    const end = body.start + body.count;
    const code = (i: number) => `${body.out_contract_code_prefix}${i}`;
    for (let i = body.start; i < end; i++) {
      if (this.contracts.codeUsed(body.plan_id, code(i))) {
        throw new PayerActionError('CONTRACT_CODE_USED', `out_contract_code ${code(i)} is already used`);
      }
    }
    const { mchid, appid } = this.keys.merchant;
    const signedAt = beijingTime();
    const listed: SeededContract[] | undefined = body.count <= LISTED_UP_TO ? [] : undefined;
    this.store.update((s) => {
      for (let i = body.start; i < end; i++) {
        const contract: ContractRecord = {
          contract_id: this.freshContractId(),
          mchid,
          appid,
          plan_id: body.plan_id,
          out_contract_code: code(i),
          contract_display_account: body.contract_display_account,
          contract_notify_url: body.contract_notify_url ?? '',
          openid: `${body.openid_prefix}${i}`,
          contract_signed_time: signedAt,
          contract_state: 'SIGNED',
        };
        this.contracts.add(contract);
        if (body.balance_fen !== undefined) s.balances[contract.openid] = body.balance_fen;
        listed?.push({
          out_contract_code: contract.out_contract_code,
          contract_id: contract.contract_id,
          openid: contract.openid,
        });
      }
    });
    return listed ? { created: body.count, contracts: listed } : { created: body.count };
  }

  private freshContractId(): string {
    let id = newContractId();
    while (this.store.state.contracts[id]) id = newContractId(); // 10^20 ids: a repeat is next to impossible
    return id;
  }
}
