import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Post,
  BadRequestException,
} from '@nestjs/common';
import { z } from 'zod';
import { CLOCK, type Clock } from '../../domain/clock';
import { ControllableClock } from '../../persistence/business-clock.repository';
import { JobStore } from '../../persistence/job-store.repository';
import { JobRunner } from '../../scheduler/job-runner';

const clockBody = z.union([
  z.object({ now: z.iso.datetime({ offset: false }) }).strict(),
  z
    .object({
      advanceMs: z
        .number()
        .int()
        .min(0)
        .max(400 * 86_400_000),
    })
    .strict(),
]);

/**
 * Business time for tests and demos (REPAYMENT_CLOCK=controllable only; otherwise these routes answer 404).
 * Moving the clock wakes the scheduler at once.
 */
@Controller('admin/clock')
export class ClockController {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly runner: JobRunner,
    private readonly jobs: JobStore,
  ) {}

  @Get()
  read(): { now: string; controllable: boolean } {
    return { now: this.clock.now().toISOString(), controllable: this.clock instanceof ControllableClock };
  }

  @Post()
  @HttpCode(200)
  async move(@Body() body: unknown): Promise<{ now: string; pendingJobs: number }> {
    if (!(this.clock instanceof ControllableClock))
      throw new NotFoundException('the clock is the system clock');
    const parsed = clockBody.safeParse(body);
    if (!parsed.success)
      throw new BadRequestException('expected {"now": "<UTC instant>"} or {"advanceMs": n}');
    const now =
      'now' in parsed.data
        ? await this.clock.set(new Date(parsed.data.now))
        : await this.clock.advance(parsed.data.advanceMs);
    this.runner.kick();
    return { now: now.toISOString(), pendingJobs: await this.jobs.pendingCount() };
  }
}
