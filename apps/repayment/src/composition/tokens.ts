import { type GrpcTlsConfig } from '@wxpay/grpc';
import { type CardAccountPort } from '../ports/card-account.port';
import { type PapayPort } from '../ports/papay.port';
import { type RepaymentConfig } from '../config';

export const REPAYMENT_OPTIONS = Symbol('REPAYMENT_OPTIONS');
export const CLOCK = Symbol('REPAYMENT_CLOCK');

export interface RepaymentAppOptions {
  config: RepaymentConfig;
  tls: GrpcTlsConfig;
  /** Tests: a fresh database and the test brokers. */
  databaseUrl?: string;
  brokers?: string[];
  /** Tests may hand in stand-ins for the counterparties (unit tier only). */
  ports?: { papay?: PapayPort; cardAccount?: CardAccountPort };
}
