import { SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CommonErrors, DomainError, type Identity } from '@wxpay/contracts';
import { type Logger } from 'pino';
import { type CallContext } from './call-context';
import { methodNameOf } from './service-definition';

export const CALLERS = 'wxpay:grpc:callers';

/**
 * The services allowed to call this method, by the service identity of their client certificate
 * (`spiffe://wxpay/<service>`). Every served method must name its callers: there is no default.
 */
export const Callers = (...services: [Identity, ...Identity[]]) =>
  SetMetadata(CALLERS, Object.freeze(services));

export interface CallerGuardOptions {
  logger: Logger;
  /**
   * False only on a plaintext (development) server, where no caller has an identity to check: every method is
   * then open, as the server warns at start.
   */
  authenticate: boolean;
}

/**
 * Deny by default: a call passes only when its client certificate's service identity is on the method's
 * @Callers list. A refusal is PERMISSION_DENIED (code CALLER_NOT_ALLOWED) and a warning naming the method and
 * the caller (by identity, or by certificate subject when it has none, such as a simulator's).
 */
export class CallerGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly options: CallerGuardOptions,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'rpc') return true;
    // The call's context is its second argument; switchToRpc() would assign two new closures onto the execution
    // context of every call to say the same.
    const call = context.getArgByIndex<CallContext>(1);
    const allowed = this.reflector.get<readonly string[] | undefined>(CALLERS, context.getHandler());
    const caller = call.peer?.service;
    if (allowed && (!this.options.authenticate || (caller !== undefined && allowed.includes(caller)))) {
      return true;
    }
    const who =
      caller ?? (call.peer ? `certificate CN=${call.peer.commonName} (no service identity)` : 'anonymous');
    this.options.logger.warn({ method: call.method, caller: who }, 'gRPC call refused: caller not allowed');
    throw new DomainError(
      CommonErrors.callerNotAllowed,
      `${methodNameOf(call.method)} is not open to ${caller ? `'${caller}'` : 'this caller'}`,
    );
  }
}
