import { GrpcStatus, RpcError, type CallContext } from '@wxpay/grpc';

/**
 * Review, list and rule administration are reserved to the client certificates named in RISK_ADMIN_CALLERS:
 * the payment service may ask for decisions, not allow-list a card. Without TLS (explicit local runs only) there is
 * no identity to check.
 */
export class AdminGuard {
  private readonly allowed: ReadonlySet<string>;

  constructor(
    callers: readonly string[],
    private readonly tlsEnabled: boolean,
  ) {
    this.allowed = new Set(callers);
  }

  check(ctx: CallContext): void {
    if (!this.tlsEnabled) return;
    const who = ctx.peer?.commonName;
    if (!who || !this.allowed.has(who)) {
      throw new RpcError(
        GrpcStatus.PERMISSION_DENIED,
        'this call is reserved to risk administrators',
        undefined,
        'NOT_ADMIN',
      );
    }
  }
}
