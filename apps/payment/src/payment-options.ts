import { type DynamicModule } from '@nestjs/common';
import { type GrpcTlsConfig } from '@wxpay/grpc';
import { type PaymentConfig } from './config';
import { type PaymentPorts } from './ports/payment-ports';

export const PAYMENT_OPTIONS = Symbol('PAYMENT_OPTIONS');

export interface PaymentRunOptions {
  config: PaymentConfig;
  /** Mutual TLS of the gRPC server and of our calls to risk and the vault (identity `payment`). */
  tls: GrpcTlsConfig;
  /** Tests and benchmarks: stand-ins for counterparties (the others are built from configuration). */
  ports?: Partial<PaymentPorts>;
  /** Run the inbox worker, janitor and scheduler (default on; tests of one piece turn them off). */
  background?: boolean;
}

const built = new WeakMap<object, Map<unknown, DynamicModule>>();

/**
 * The dynamic module `module` built once for these options: Nest tells dynamic modules apart by reference, so a
 * module imported by several others must be the same object for its providers (and connections) to exist once.
 */
export function once(module: unknown, options: PaymentRunOptions, build: () => DynamicModule): DynamicModule {
  const modules = built.get(options) ?? new Map<unknown, DynamicModule>();
  built.set(options, modules);
  let m = modules.get(module);
  if (!m) modules.set(module, (m = build()));
  return m;
}
