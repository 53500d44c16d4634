import { type Logger } from '@wxpay/observability';
import { type AuditFact } from '../domain/audit-entry';
import { type AuditLog } from '../persistence/audit-log';

/**
 * Records a refused call. The refusal stands whether or not its entry can be written (nothing was disclosed or
 * changed), so a failed write is logged rather than turning the caller's answer into an internal error.
 */
export async function auditRefusal(
  deps: { audit: AuditLog; logger: Logger },
  fact: AuditFact,
): Promise<void> {
  try {
    await deps.audit.append(fact);
  } catch (e) {
    deps.logger.error(
      {
        action: fact.action,
        token: fact.token,
        result: fact.result,
        error: e instanceof Error ? e.message : String(e),
      },
      'audit entry for a refused call could not be written',
    );
  }
}
