import { randomUUID } from 'crypto';
import { type Metadata } from '@grpc/grpc-js';
import { type IdempotencyStore } from '@wxpay/persistence';
import { type PeerIdentity } from './identity';

/** Where a service keeps its idempotency keys: what its @Idempotent methods read and write. */
export interface IdempotencyKeys {
  store: IdempotencyStore;
  /** The database the answers are read from (the service's own). */
  db: Parameters<IdempotencyStore['answered']>[0];
  /** The service's keyed hash, for @Idempotent({ keyed: true }) methods. */
  keyedFingerprint?: (operation: string, canonicalRequest: string) => string;
}

/** An idempotent call's record key and request fingerprint, set by the idempotency interceptor. */
export interface IdempotentRequest {
  /** The caller's scope (its certificate's common name): keys of two callers never meet. */
  readonly caller: string;
  readonly operation: string;
  readonly key: string;
  /** Digest of the request without its key: the same key with another request is a conflict. */
  readonly fingerprint: string;
}

/** What a gRPC handler knows of its call besides the request. */
export interface CallContext {
  /** The mutual-TLS client identity; undefined on plaintext (development) servers. */
  readonly peer?: PeerIdentity;
  readonly metadata: Metadata;
  /** The caller's deadline, when it set one: long work should give up when it has passed. */
  readonly deadline?: Date;
  /** The full method path, `/gateway.payment.v1.Payments/CreatePayment`. */
  readonly method: string;
  /**
   * The call's trace: its span's trace id when tracing is on, else the caller's `x-trace-id` when sane, else a new
   * id. Events the call emits carry it, so they name the trace they belong to.
   */
  readonly traceId: string;
  /** Present on methods marked @Idempotent, once the interceptor has checked the key. */
  idempotency?: IdempotentRequest;
  /** The serving app's idempotency store (one per app: a process may serve several). */
  readonly idempotencyKeys?: IdempotencyKeys;
}

/**
 * The context GrpcHost hands each call. A class, not an object literal with `get traceId()`: V8 allocates the
 * accessor pair of a literal's getter in the old generation, and that pair, dead as soon as the call ended, still
 * pointed at the getter's closure and through it at the call's request, stream and buffers until the next full
 * collection. Every call's objects were promoted: a GrpcHost answering Evaluate with a constant at 1,000 calls/s
 * (`--trace-gc-nvp`, run by before-after's harness) promoted 127 MB instead of 26 MB and spent 2.5 times as long in
 * scavenges, and risk's p99 followed. The getter on the prototype is shared by every call and allocates nothing.
 */
export class ServedCallContext implements CallContext {
  idempotency?: IdempotentRequest;

  constructor(
    readonly peer: PeerIdentity | undefined,
    readonly metadata: Metadata,
    readonly deadline: Date | undefined,
    readonly method: string,
    readonly idempotencyKeys: IdempotencyKeys | undefined,
    /** The caller's trace id when it sent a sane one. */
    private sentTraceId: string | undefined,
  ) {}

  /** Made when first asked for: most calls that arrive without one never need it. */
  get traceId(): string {
    return (this.sentTraceId ??= randomUUID());
  }
}
