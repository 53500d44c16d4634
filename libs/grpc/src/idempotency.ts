import { createHash } from 'crypto';
import {
  applyDecorators,
  SetMetadata,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { CommonErrors, DomainError } from '@wxpay/contracts';
import { containsPan, luhnValid } from '@wxpay/card';
import { type Metrics } from '@wxpay/observability';
import { replay, type StoredAnswer } from '@wxpay/persistence';
import { catchError, defer, from, mergeMap, throwError, type Observable } from 'rxjs';
import { type CallContext, type IdempotencyKeys } from './call-context';
import { callerScope } from './identity';
import { methodNameOf } from './service-definition';

export const IDEMPOTENT = 'wxpay:grpc:idempotent';

export interface IdempotentOptions {
  /**
   * The scope the key lives in; the RPC's name by default. Methods that share one (the vault's: a key may name
   * one call of any of its methods) refuse a key reused for another method: the fingerprint covers the RPC too.
   */
  operation?: string;
  /**
   * Replay a stored answer before the controller runs (one read per call). Off for calls whose use case claims
   * the key in its own first statement, where that read would only add a round trip.
   */
  replayFirst?: boolean;
  /**
   * The request holds a card number: fingerprint it with the service's keyed hash (a plain hash of a PAN can be
   * reversed by trying every card number).
   */
  keyed?: boolean;
  /** Request fields left out of the fingerprint (a CVN2 is never kept in any form, not even hashed). */
  exclude?: readonly string[];
}

/**
 * The method takes `idempotency_key` and runs at most once per (caller, operation, key): the interceptor checks
 * the key, fingerprints the request without it, puts both on the call (`call.idempotency`, which the use case
 * hands to IdempotencyStore in its transaction), and replays a stored answer or refuses another request under the
 * same key before the controller runs.
 */
export const Idempotent = (options: IdempotentOptions = {}) =>
  // A method-level interceptor: only the methods that need it pay for Nest's interceptor chain (an execution
  // context, rxjs defers, AsyncResource binds per call); as a global one it slowed every call of a service with
  // one @Idempotent method (the vault's Detokenize) by its mere presence.
  applyDecorators(SetMetadata(IDEMPOTENT, options), UseInterceptors(new IdempotencyInterceptor(options)));

/** Canonical JSON (keys sorted at every level) so the same request always gives the same fingerprint. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function requestFingerprint(operation: string, request: unknown): string {
  return createHash('sha256')
    .update(`${operation}\n${canonicalJson(request)}`)
    .digest('hex');
}

const KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;
const DIGIT_RUN = /\d{13,}/g;

/**
 * Keys are stored as sent, so a key holding a card number is refused: a Luhn-valid 13–19-digit window of any
 * digit run, or one written out in groups (libs/card's containsPan, which does not join a UUID's groups).
 */
function holdsCardNumber(key: string): boolean {
  if (containsPan(key)) return true;
  for (const [run] of key.matchAll(DIGIT_RUN)) {
    for (let len = 13; len <= Math.min(19, run.length); len++) {
      for (let i = 0; i + len <= run.length; i++) if (luhnValid(run.slice(i, i + len))) return true;
    }
  }
  return false;
}

export function checkIdempotencyKey(key: unknown): string {
  if (typeof key !== 'string' || key === '') throw DomainError.invalid('idempotency_key', 'is required');
  if (!KEY_PATTERN.test(key)) {
    throw DomainError.invalid('idempotency_key', 'must be 1-128 printable ASCII characters');
  }
  if (holdsCardNumber(key)) throw DomainError.invalid('idempotency_key', 'must not contain a card number');
  return key;
}

export const IDEMPOTENCY_OUTCOMES = 'wxpay_idempotency_outcomes_total';

/** What a keyed call ran into besides a first use: an answer replayed, a key reused, a first call unfinished. */
export type IdempotencyOutcome = 'replayed' | 'conflict' | 'in_progress';
type OutcomeCounter = (method: string, outcome: IdempotencyOutcome) => void;

/**
 * Counters by store: the interceptor is built when the controller class is decorated, before any registry
 * exists, and reaches the serving app only through the call (its store). bootstrapService registers the store.
 */
const outcomeCounters = new WeakMap<object, OutcomeCounter>();

/** `wxpay_idempotency_outcomes_total{method,outcome}` for the @Idempotent methods served with this store. */
export function countIdempotencyOutcomes(store: object, metrics: Metrics): void {
  const counter = metrics.counter({
    name: IDEMPOTENCY_OUTCOMES,
    help: 'Keyed calls answered from a stored answer (replayed) or refused: key reused with another request (conflict), first call unfinished (in_progress)',
    labelNames: ['method', 'outcome'],
  });
  outcomeCounters.set(store, (method, outcome) => counter.inc({ method, outcome }));
}

function refusalOf(e: unknown): IdempotencyOutcome | undefined {
  if (!(e instanceof DomainError)) return undefined;
  if (e.code === CommonErrors.idempotencyConflict) return 'conflict';
  if (e.code === CommonErrors.inProgress) return 'in_progress';
  return undefined;
}

/** The interceptor of one @Idempotent method; the store is the serving app's, from the call. */
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly idempotent: IdempotentOptions) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const idempotent = this.idempotent;
    const rpc = context.switchToRpc();
    const call = rpc.getContext<CallContext>();
    const { idempotency_key: key, ...rest } = rpc.getData<Record<string, unknown>>();
    for (const field of idempotent.exclude ?? []) delete rest[field];
    const method = methodNameOf(call.method);
    const operation = idempotent.operation ?? method;
    const fingerprint = idempotent.keyed
      ? keyedOf(call)(method, canonicalJson(rest))
      : requestFingerprint(method, rest);
    call.idempotency = {
      caller: callerScope(call.peer),
      operation,
      key: checkIdempotencyKey(key),
      fingerprint,
    };
    const count = call.idempotencyKeys && outcomeCounters.get(call.idempotencyKeys.store);
    const answer =
      idempotent.replayFirst === false ? next.handle() : this.replayOrRun(call, next, method, count);
    if (!count) return answer;
    // A conflict or an unfinished first call is refused here (the stored fingerprint) or by the use case's store.
    return answer.pipe(
      catchError((e: unknown) => {
        const refusal = refusalOf(e);
        if (refusal) count(method, refusal);
        return throwError(() => e);
      }),
    );
  }

  private replayOrRun(
    call: CallContext,
    next: CallHandler,
    method: string,
    count: OutcomeCounter | undefined,
  ): Observable<unknown> {
    const { store, db } = keysOf(call);
    return from(store.answered(db, call.idempotency!)).pipe(
      mergeMap((prior: StoredAnswer | undefined) =>
        prior
          ? defer(async () => {
              count?.(method, 'replayed');
              return replay(prior);
            })
          : next.handle(),
      ),
    );
  }
}

function keysOf(call: CallContext): IdempotencyKeys {
  if (!call.idempotencyKeys)
    throw new Error('@Idempotent methods need the service to give an idempotency store');
  return call.idempotencyKeys;
}

function keyedOf(call: CallContext) {
  const keyed = call.idempotencyKeys?.keyedFingerprint;
  if (!keyed) throw new Error('@Idempotent({ keyed: true }) needs the service to give a keyed fingerprint');
  return keyed;
}
