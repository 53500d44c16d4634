import { type Mode } from '../schedule/schedule-policy';

export type PlanStatus = 'ACTIVE' | 'PAUSED' | 'CANCELLED' | 'CONTRACT_ENDED';
export const LIVE_PLAN_STATUSES: readonly PlanStatus[] = ['ACTIVE', 'PAUSED'];

export interface Plan {
  id: string;
  cardToken: string;
  wechatPlanId: string;
  outContractCode: string;
  contractId: string;
  payerOpenid: string;
  mode: Mode;
  fixedAmountMinor: number | null;
  currency: string;
  daysBeforeDue: number;
  status: PlanStatus;
  statusReason: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}
