import { type CallHandler, type ExecutionContext } from '@nestjs/common';
import { CommonErrors, DomainError } from '@wxpay/contracts';
import { createMetrics, type Metrics } from '@wxpay/observability';
import { type IdempotencyStore, type StoredAnswer } from '@wxpay/persistence';
import { firstValueFrom, of, throwError, type Observable } from 'rxjs';
import { countIdempotencyOutcomes, IdempotencyInterceptor, type IdempotentOptions } from './idempotency';

/** A store stand-in: only `answered` is reached by the interceptor. */
function storeAnswering(answer: () => Promise<StoredAnswer | undefined>): IdempotencyStore {
  return { answered: answer } as unknown as IdempotencyStore;
}

function callOf(store: IdempotencyStore): ExecutionContext {
  const call = {
    method: '/gateway.repayment.v1.AutoRepayment/CreatePlan',
    metadata: {},
    traceId: 't',
    idempotencyKeys: { store, db: {} },
  };
  return {
    getType: () => 'rpc',
    switchToRpc: () => ({ getContext: () => call, getData: () => ({ idempotency_key: 'k-1', plan: 'p' }) }),
  } as unknown as ExecutionContext;
}

async function run(
  options: IdempotentOptions,
  store: IdempotencyStore,
  handler: () => Observable<unknown>,
): Promise<unknown> {
  const next: CallHandler = { handle: handler };
  return firstValueFrom(new IdempotencyInterceptor(options).intercept(callOf(store), next)).catch(
    (e: unknown) => e,
  );
}

const count = async (metrics: Metrics, outcome: string) =>
  Number(
    new RegExp(
      `^wxpay_idempotency_outcomes_total\\{method="CreatePlan",outcome="${outcome}",service="repayment"\\} (\\d+)$`,
      'm',
    ).exec(await metrics.registry.metrics())?.[1] ?? 0,
  );

describe('idempotency outcomes counter', () => {
  let metrics: Metrics;
  beforeEach(() => (metrics = createMetrics({ service: 'repayment', defaultMetrics: false })));

  it('counts a replayed answer, a conflict found by the interceptor and one found by the use case', async () => {
    const replaying = storeAnswering(async () => ({ ok: { plan_id: 'P1' } }));
    countIdempotencyOutcomes(replaying, metrics);
    expect(await run({}, replaying, () => of('ran'))).toEqual({ plan_id: 'P1' });
    expect(await count(metrics, 'replayed')).toBe(1);

    const conflicting = storeAnswering(async () => {
      throw new DomainError(CommonErrors.idempotencyConflict, 'used before');
    });
    countIdempotencyOutcomes(conflicting, metrics);
    expect(await run({}, conflicting, () => of('ran'))).toBeInstanceOf(DomainError);
    expect(await count(metrics, 'conflict')).toBe(1);

    // replayFirst off: the use case's own claim refuses the duplicate while the first call still runs.
    const inProgress = () => throwError(() => new DomainError(CommonErrors.inProgress, 'still running'));
    expect(await run({ replayFirst: false }, conflicting, inProgress)).toBeInstanceOf(DomainError);
    expect(await count(metrics, 'in_progress')).toBe(1);
  });

  it('counts nothing for a first call, another error, or a store nobody registered', async () => {
    const fresh = storeAnswering(async () => undefined);
    countIdempotencyOutcomes(fresh, metrics);
    expect(await run({}, fresh, () => of('ran'))).toBe('ran');
    expect(await run({}, fresh, () => throwError(() => DomainError.invalid('plan', 'bad')))).toBeInstanceOf(
      DomainError,
    );
    const unregistered = storeAnswering(async () => ({ ok: 1 }));
    expect(await run({}, unregistered, () => of('ran'))).toBe(1);
    for (const outcome of ['replayed', 'conflict', 'in_progress'])
      expect(await count(metrics, outcome)).toBe(0);
  });
});
