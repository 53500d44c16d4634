import { type ContractRecord } from '../store/sim-state';

/**
 * contract_id by (plan_id, out_contract_code): the merchant addresses contracts by its own code (query,
 * terminate) and a code is never reusable, so every pre-sign looks one up. A scan over all contracts made both
 * O(n) per request; at 100k contracts that dominated. Built from the loaded state and then fed every contract
 * the simulator creates (contracts are never deleted, and plan_id/out_contract_code never change).
 */
export class ContractIndex {
  private readonly byPlan = new Map<string, Map<string, string>>();

  constructor(contracts: Record<string, ContractRecord>) {
    for (const c of Object.values(contracts)) this.add(c);
  }

  add(c: Pick<ContractRecord, 'contract_id' | 'plan_id' | 'out_contract_code'>): void {
    let codes = this.byPlan.get(c.plan_id);
    if (!codes) this.byPlan.set(c.plan_id, (codes = new Map()));
    codes.set(c.out_contract_code, c.contract_id);
  }

  contractId(planId: string, outContractCode: string): string | undefined {
    return this.byPlan.get(planId)?.get(outContractCode);
  }
}
