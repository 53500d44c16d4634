import { type MethodDefinition } from '@grpc/proto-loader';
import { gatewayContracts, retrySafeMethods } from './client-service-config';

/**
 * Methods declared safe to repeat although their request has no `idempotency_key`, each for a reason the server
 * implements: reviewed here so that a new one is a decision, not an accident.
 */
const REPEATABLE_WITHOUT_KEY: Record<string, string> = {
  'gateway.risk.v1.RiskEngine/Evaluate':
    'attempt_id: a retry of an attempt gets its answer and is counted once',
  'gateway.repayment.v1.AutoRepayment/IngestStatement': 'the statement id is its idempotency key',
  'gateway.tokenization.v1.TokenVault/Detokenize': 'a read (each attempt audited)',
  'gateway.tokenization.v1.TokenVault/GetCard': 'a read (each attempt audited)',
  'gateway.tokenization.v1.TokenVault/ListTokens': 'a read (each attempt audited)',
};

function gatewayMethods(): { path: string; level: string; keyed: boolean }[] {
  const pkg = gatewayContracts();
  return Object.entries(pkg).flatMap(([service, definition]) =>
    'format' in definition
      ? []
      : Object.entries(definition as Record<string, MethodDefinition<unknown, unknown>>).map(([name, m]) => ({
          path: `${service}/${name}`,
          level: m.options?.idempotency_level ?? 'IDEMPOTENCY_UNKNOWN',
          keyed: (m.requestType.type as { field: { name: string }[] }).field.some(
            (f) => f.name === 'idempotency_key',
          ),
        })),
  );
}

describe('retry safety declared in the contracts', () => {
  const methods = gatewayMethods();

  it('finds the services', () => {
    expect(methods.length).toBeGreaterThan(30);
  });

  it('declares every method that takes an idempotency key IDEMPOTENT, so clients retry it', () => {
    expect(methods.filter((m) => m.keyed && m.level !== 'IDEMPOTENT').map((m) => m.path)).toEqual([]);
  });

  it('declares a method without a key repeatable only when it is a read or reviewed above', () => {
    const unreviewed = methods.filter(
      (m) => !m.keyed && m.level === 'IDEMPOTENT' && !(m.path in REPEATABLE_WITHOUT_KEY),
    );
    expect(unreviewed.map((m) => m.path)).toEqual([]);
    for (const path of Object.keys(REPEATABLE_WITHOUT_KEY)) {
      expect(methods.find((m) => m.path === path)?.level).toBe('IDEMPOTENT');
    }
  });

  it('names what a client may retry, and leaves out what it must not', () => {
    const payments = retrySafeMethods('gateway.payment.v1.Payments');
    expect(payments).toEqual(expect.arrayContaining(['CreatePayment', 'GetPayment', 'RefundPayment']));
    // A retried RunReconciliation would start a second run.
    expect(payments).not.toContain('RunReconciliation');
    expect(retrySafeMethods('gateway.risk.v1.RiskEngine')).toContain('Evaluate');
    expect(retrySafeMethods('gateway.risk.v1.RiskEngine')).not.toContain('ClaimReview');
    expect(retrySafeMethods('grpc.health.v1.Health')).toEqual([]);
  });
});
