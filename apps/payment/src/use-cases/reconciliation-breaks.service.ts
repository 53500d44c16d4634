import { Inject, Injectable } from '@nestjs/common';
import {
  type ListReconciliationBreaksRequest,
  type ListReconciliationBreaksResponse,
  type ReconciliationBreak as BreakMessage,
  type ResolveReconciliationBreakRequest,
} from '@wxpay/contracts';
import { PageTokens, type IdempotentRequest } from '@wxpay/grpc';
import { type Logger } from '@wxpay/observability';
import { IdempotencyStore } from '@wxpay/persistence';
import { DATA_SOURCE, LOGGER } from '@wxpay/runtime';
import { type DataSource } from 'typeorm';
import { breakView } from '../api/payment-views';
import { breakNotFound, failedPrecondition, PaymentErrors } from '../errors';
import { ReconciliationRepository } from '../persistence/reconciliation.repository';

const PAGE_LIMIT_DEFAULT = 50;

/**
 * ListReconciliationBreaks (newest first, keyset pages bound to their filters) and ResolveReconciliationBreak:
 * records, once per idempotency key, how an operator settled a break (an adjustment
 * booked elsewhere, a counterparty's confirmation, ...). The break is resolved once: a second resolution under
 * another key is ALREADY_RESOLVED and names the first.
 */
@Injectable()
export class ReconciliationBreaksService {
  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    private readonly runs: ReconciliationRepository,
    private readonly idempotency: IdempotencyStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async resolve(
    request: ResolveReconciliationBreakRequest,
    idempotency: IdempotentRequest,
  ): Promise<BreakMessage> {
    const { value } = await this.idempotency.once(this.ds, idempotency, async (m) => {
      const found = await this.runs.lockBreak(m, request.break_id);
      if (!found) throw breakNotFound();
      if (found.resolution) {
        throw failedPrecondition(
          PaymentErrors.alreadyResolved,
          `the break was resolved by ${found.resolution.operator} at ${found.resolution.resolvedAt.toISOString()}`,
        );
      }
      const resolved = await this.runs.resolveBreak(m, request.break_id, {
        operator: request.operator,
        note: request.note,
      });
      return { value: breakView(resolved) };
    });
    this.logger.info(
      { breakId: request.break_id, operator: request.operator },
      'reconciliation break resolved',
    );
    return value;
  }

  async list(request: ListReconciliationBreaksRequest): Promise<ListReconciliationBreaksResponse> {
    const limit = request.limit || PAGE_LIMIT_DEFAULT;
    const filters = { include_resolved: request.include_resolved, business_date: request.business_date };
    const after = PageTokens.decode(request.page_token, 1, filters);
    const page = await this.runs.listBreaks({
      includeResolved: request.include_resolved,
      businessDate: request.business_date || undefined,
      beforeId: after?.[0],
      limit: limit + 1,
    });
    const shown = page.slice(0, limit);
    const last = shown[shown.length - 1];
    return {
      breaks: shown.map(breakView),
      next_page_token: page.length > limit && last ? PageTokens.encode([last.id!], filters) : '',
    };
  }
}
