import { Inject, Injectable } from '@nestjs/common';
import {
  CommonErrors,
  DomainError,
  type IngestStatementRequest,
  type Run as RunMessage,
} from '@wxpay/contracts';
import { DATA_SOURCE } from '@wxpay/runtime';
import { type DataSource } from 'typeorm';
import { runView } from '../api/views';
import { RunRepository } from '../persistence/run.repository';
import { CURRENCY } from '../repayment-options';
import { JobRunner } from '../scheduler/job-runner';
import { RunService } from './run.service';

/**
 * IngestStatement: the same as a StatementIssued event, for callers without Kafka. The statement id is its
 * idempotency key: the same facts again answer the run as it is; other facts under a known id are refused.
 */
@Injectable()
export class IngestStatementService {
  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    private readonly runs: RunRepository,
    private readonly runService: RunService,
    private readonly runner: JobRunner,
  ) {}

  async ingest(r: IngestStatementRequest): Promise<RunMessage> {
    const amountDue = Number(r.amount_due!.amount_minor);
    const minimumDue = Number(r.minimum_due!.amount_minor);
    if (minimumDue > amountDue) throw DomainError.invalid('minimum_due', 'must not exceed amount_due');
    const facts = {
      statementId: r.statement_id,
      cardToken: r.card_token,
      currency: CURRENCY,
      amountDue,
      minimumDue,
      dueDate: r.due_date,
    };
    const { run } = await this.ds.transaction((m) => this.runService.ingest(m, facts));
    // Every fact counts: a re-sent statement whose minimum due (or currency) changed is not the same statement.
    if (
      run.cardToken !== facts.cardToken ||
      run.currency !== facts.currency ||
      run.amountDue !== amountDue ||
      run.minimumDue !== minimumDue ||
      run.dueDate !== facts.dueDate
    ) {
      throw new DomainError(CommonErrors.idempotencyConflict, 'statement_id: known with other facts', {
        field: 'statement_id',
      });
    }
    this.runner.kick();
    return runView(run, await this.runs.attempts(this.ds.manager, [run.statementId]));
  }
}
