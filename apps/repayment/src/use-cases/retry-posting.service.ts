import { Inject, Injectable } from '@nestjs/common';
import { type RetryPostingRequest, type Run as RunMessage } from '@wxpay/contracts';
import { type IdempotentRequest } from '@wxpay/grpc';
import { IdempotencyStore } from '@wxpay/persistence';
import { DATA_SOURCE } from '@wxpay/runtime';
import { type DataSource } from 'typeorm';
import { runView } from '../api/views';
import { runNotFound } from '../errors';
import { RunRepository } from '../persistence/run.repository';
import { RunService } from './run.service';

/**
 * RetryPosting, the console's path out of POSTING_FAILED: once per idempotency key, the run's refused posting is
 * queued again (RunService.retryPosting) with the operator and the reason recorded. The answer is the run as
 * queued (COLLECTED); the posting job makes it REPAID, or POSTING_FAILED again, when the card system answers.
 */
@Injectable()
export class RetryPostingService {
  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    private readonly runs: RunRepository,
    private readonly runService: RunService,
    private readonly idempotency: IdempotencyStore,
  ) {}

  async retry(request: RetryPostingRequest, idempotency: IdempotentRequest): Promise<RunMessage> {
    const { value } = await this.idempotency.once(this.ds, idempotency, async (m) => {
      const run = await this.runs.get(m, request.statement_id, true);
      if (!run) throw runNotFound();
      const queued = await this.runService.retryPosting(m, run, request.operator, request.reason);
      return { value: runView(queued, await this.runs.attempts(m, [run.statementId])) };
    });
    return value;
  }
}
