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
import { type Clock, ControllableClock } from '../../persistence/business-clock.repository';
import { CLOCK } from '../../composition/tokens';
import { RepaymentRuntime } from '../../composition/repayment-runtime';

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
    private readonly runtime: RepaymentRuntime,
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
    this.runtime.runner?.kick();
    return { now: now.toISOString(), pendingJobs: (await this.runtime.core?.jobs.pendingCount()) ?? 0 };
  }
}
