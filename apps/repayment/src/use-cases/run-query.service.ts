import { Inject, Injectable } from '@nestjs/common';
import { DomainError, type ListRunsRequest, type ListRunsResponse } from '@wxpay/contracts';
import { PageTokens } from '@wxpay/grpc';
import { DATA_SOURCE } from '@wxpay/runtime';
import { type DataSource } from 'typeorm';
import { runView } from '../api/views';
import { RunRepository } from '../persistence/run.repository';

const DEFAULT_PAGE_SIZE = 20;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** ListRuns: a plan's or a statement's runs, newest due date first, keyset-paged (due date, statement id). */
@Injectable()
export class RunQueryService {
  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    private readonly runs: RunRepository,
  ) {}

  async list(r: ListRunsRequest): Promise<ListRunsResponse> {
    if (!r.plan_id && !r.statement_id) {
      throw DomainError.invalid('plan_id', 'plan_id or statement_id is required');
    }
    const filter = {
      ...(r.plan_id ? { planId: r.plan_id } : {}),
      ...(r.statement_id ? { statementId: r.statement_id } : {}),
    };
    const query = { plan_id: r.plan_id, statement_id: r.statement_id };
    const after = PageTokens.decode(r.page_token, 2, query);
    if (after && !ISO_DATE.test(after[0]!))
      throw DomainError.invalid('page_token', 'is not a token from a previous page');
    const size = r.page_size || DEFAULT_PAGE_SIZE;
    const m = this.ds.manager;
    const runs = await this.runs.page(
      m,
      filter,
      size + 1,
      after ? { dueDate: after[0]!, statementId: after[1]! } : undefined,
    );
    const page = runs.slice(0, size);
    const attempts = await this.runs.attempts(
      m,
      page.map((run) => run.statementId),
    );
    const last = page[page.length - 1];
    return {
      runs: page.map((run) =>
        runView(
          run,
          attempts.filter((a) => a.statementId === run.statementId),
        ),
      ),
      next_page_token:
        runs.length > size && last ? PageTokens.encode([last.dueDate, last.statementId], query) : '',
    };
  }
}
