import { Catch, Inject, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { DomainError } from '@wxpay/contracts';
import { methodNameOf, toStatusError, type CallContext } from '@wxpay/grpc';
import { type Logger } from '@wxpay/observability';
import { isDatabaseUnavailable } from '@wxpay/persistence';
import { LOGGER } from '@wxpay/runtime';
import { defer, type Observable } from 'rxjs';
import { type AuditAction } from '../domain/audit-entry';
import { isToken } from '../domain/card-token';
import { checkFreeText } from '../domain/text-fields';
import { auditResultOf, VAULT_ERROR_STATUS } from '../errors';
import { AuditLog } from '../persistence/audit-log';
import { auditRefusal } from '../use-cases/audit-refusal';
import { actorOf } from './caller';

const ACTIONS: Record<string, AuditAction> = {
  Tokenize: 'tokenize',
  Detokenize: 'detokenize',
  SuspendToken: 'suspend',
  ResumeToken: 'resume',
  DeleteToken: 'delete',
};

/** The caller's free text (purpose or reason) when it is safe to keep: it could hold anything, a card number too. */
function safeText(value: unknown): string | null {
  try {
    return typeof value === 'string' ? checkFreeText('reason', value, { required: false, max: 200 }) : null;
  } catch {
    return null;
  }
}

/** Why, for the log: the field at fault, the refused caller, or else the purpose or reason the caller gave. */
function reasonOf(e: DomainError, given: unknown): string | null {
  if (e.code === 'INVALID_ARGUMENT') return e.field ?? null;
  if (e.code === 'CALLER_NOT_ALLOWED') return e.code;
  return safeText(given) ?? e.field ?? null;
}

/**
 * Every refused call of an audited method (anything but the masked views) is in the audit log — refused by the
 * caller guard, the idempotency check or the use case alike — and then answered with its status. Only what is
 * safe to keep goes in: a well-formed token (never what else the caller sent), the field at fault, or the purpose
 * or reason the caller gave when it is plain text.
 */
@Catch()
export class VaultRefusalFilter implements RpcExceptionFilter<unknown> {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly audit: AuditLog,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    const rpc = host.switchToRpc();
    const call = rpc.getContext<CallContext>();
    const action = ACTIONS[methodNameOf(call.method)];
    const answer = toStatusError(
      exception,
      { table: VAULT_ERROR_STATUS, isUnavailable: isDatabaseUnavailable, logger: this.logger },
      call.method,
    );
    return defer(async () => {
      if (action && exception instanceof DomainError) {
        const request = rpc.getData<{ token?: unknown; purpose?: unknown; reason?: unknown }>();
        await auditRefusal(
          { audit: this.audit, logger: this.logger },
          {
            actor: actorOf(call.peer),
            action,
            token: typeof request.token === 'string' && isToken(request.token) ? request.token : null,
            result: auditResultOf(exception),
            reason: reasonOf(exception, request.purpose ?? request.reason),
          },
        );
      }
      throw answer;
    });
  }
}
