import { type Counter, type Logger } from '@wxpay/observability';
import { type SignOnReplayGuard } from '@wxpay/unionpay';
import { type SimConfig } from '../config';
import { type FaultPlan } from '../faults/fault-plan';
import { type LedgerBatcher } from '../issuer/ledger-batcher';
import { type SimKeys } from '../keys/sim-keys';
import { type InstitutionRegistry } from './institution-registry';

/** What every connection handler needs; built once by the app. */
export interface SwitchContext {
  config: SimConfig;
  keys: SimKeys;
  institutions: InstitutionRegistry;
  ledger: LedgerBatcher;
  faults: FaultPlan;
  logger: Logger;
  /** Sign-ons admitted once, within the switch's time window (a replayed 0820 is refused). */
  signOns: SignOnReplayGuard;
  /** unionpay_sim_messages_total{mti, response_code}: every answer the switch produced. */
  answers: Counter<'mti' | 'response_code'>;
}

/** The per-connection state a handler reads and updates. */
export interface ConnectionState {
  readonly id: number;
  /** The institution that signed on over this connection, if any. */
  institution?: string;
}
