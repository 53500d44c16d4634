import { readdirSync } from 'fs';
import { type MethodDefinition, type PackageDefinition } from '@grpc/proto-loader';
import { PROTO_ROOT } from '@wxpay/contracts';
import { loadProtos } from './proto';

/**
 * How a call that failed UNAVAILABLE (the server's connection dropped, a replica stopping, a database outage the
 * server reported as such) is tried again: at most three attempts in all, backing off 50 ms, 100 ms (±jitter,
 * grpc-js), and always inside the call's own deadline. Only UNAVAILABLE: every other code is an answer.
 */
export const RETRY_POLICY = {
  maxAttempts: 3,
  initialBackoff: '0.05s',
  maxBackoff: '0.5s',
  backoffMultiplier: 2,
  retryableStatusCodes: ['UNAVAILABLE'],
} as const;

let contracts: PackageDefinition | undefined;

/** Every .proto of libs/contracts, loaded once per process (a client is created at start, not per call). */
export function gatewayContracts(): PackageDefinition {
  if (!contracts) {
    const files = (readdirSync(PROTO_ROOT, { recursive: true }) as string[]).filter((f) =>
      f.endsWith('.proto'),
    );
    contracts = loadProtos(files);
  }
  return contracts;
}

/**
 * The methods of `service` (`gateway.payment.v1.Payments`) its proto declares safe to send again:
 * `idempotency_level = NO_SIDE_EFFECTS` (reads) or `IDEMPOTENT` (a repeat with the same request, idempotency key
 * included, has the effect of one). A method without either is never retried: a retried RunReconciliation would
 * start a second run. A service not in the contracts (grpc.health.v1, a test's) has none.
 */
export function retrySafeMethods(service: string): string[] {
  const definition = gatewayContracts()[service];
  if (!definition || 'format' in definition) return [];
  return Object.entries(definition as Record<string, MethodDefinition<unknown, unknown>>)
    .filter(([, m]) => {
      const level = m.options?.idempotency_level;
      return level === 'NO_SIDE_EFFECTS' || level === 'IDEMPOTENT';
    })
    .map(([name]) => name);
}

/**
 * The grpc-js service config of a client of `service`: round robin over a resolver target's addresses when
 * `balanced`, and the retry policy for the methods the contract declares safe to repeat.
 */
export function clientServiceConfig(service: string, balanced: boolean): string | undefined {
  const methods = retrySafeMethods(service);
  const config = {
    ...(balanced ? { loadBalancingConfig: [{ round_robin: {} }] } : {}),
    ...(methods.length > 0
      ? {
          methodConfig: [{ name: methods.map((method) => ({ service, method })), retryPolicy: RETRY_POLICY }],
        }
      : {}),
  };
  return Object.keys(config).length > 0 ? JSON.stringify(config) : undefined;
}
