import { type GrpcTlsConfig } from '@wxpay/grpc';
import { type RuntimeParts } from '@wxpay/runtime';
import { type PaymentConfig } from '../config';
import { type PaymentPorts } from './payment-ports';

export const PAYMENT_CORE = Symbol('PAYMENT_CORE');
export const PAYMENT_OPTIONS = Symbol('PAYMENT_OPTIONS');
export const PAYMENT_METRICS = Symbol('PAYMENT_METRICS');

export interface PaymentAppOptions {
  config: PaymentConfig;
  parts: RuntimeParts;
  /** Mutual TLS for the gRPC server and for our calls to risk and the vault (identity `payment`). */
  tls: GrpcTlsConfig;
  /** Tests: their own database and brokers. */
  databaseUrl?: string;
  brokers?: string[];
  /** Tests: stand-ins for counterparties. */
  ports?: Partial<PaymentPorts>;
  /** Run the inbox worker, janitor and scheduler (default on; tests of one piece turn them off). */
  background?: boolean;
}
