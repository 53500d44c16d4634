import { type KafkaConnection } from '@wxpay/messaging';
import { type GrpcTlsConfig } from '@wxpay/grpc';
import { type RepaymentConfig } from './config';
import { type ScheduleTimes } from './domain/schedule/schedule-policy';
import { type CardAccountPort } from './ports/card-account.port';
import { type PapayPort } from './ports/papay.port';

export const REPAYMENT_OPTIONS = Symbol('REPAYMENT_OPTIONS');

/** Plans and runs are in CNY (WeChat Pay's papay deducts fen). */
export const CURRENCY = 'CNY';

export interface RepaymentRunOptions {
  config: RepaymentConfig;
  /** Mutual TLS of the gRPC server and of our calls to the vault (identity `repayment`). */
  tls: GrpcTlsConfig;
  /** Tests: a fresh database and the test brokers. */
  databaseUrl?: string;
  kafka?: KafkaConnection;
  /** Tests may hand in stand-ins for the counterparties (the others are built from configuration). */
  ports?: { papay?: PapayPort; cardAccount?: CardAccountPort };
}

export function scheduleTimes(c: RepaymentConfig): ScheduleTimes {
  return {
    noticeAt: c.REPAYMENT_NOTICE_AT,
    deductAt: c.REPAYMENT_DEDUCT_AT,
    lastChanceAt: c.REPAYMENT_LAST_CHANCE_AT,
    cutoffAt: c.REPAYMENT_CUTOFF_AT,
  };
}
