import { AdminTokenGuard } from '@wxpay/runtime';
import { Body, Controller, Delete, Get, HttpCode, Post, Put, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { faultRuleSchema, FaultPlan } from '../faults/fault-plan';
import { parseBody } from './validation';

const outageSchema = z.object({ active: z.boolean() });

/** Fault injection: rules (latency, no/late/duplicate answers, dropped connections, forced codes) and outage. */
@Controller('admin/faults')
@UseGuards(AdminTokenGuard)
export class FaultsController {
  constructor(private readonly faults: FaultPlan) {}

  @Get()
  list(): Record<string, unknown> {
    return this.faults.describe();
  }

  @Post()
  add(@Body() body: unknown): Record<string, unknown> {
    return { ...this.faults.add(parseBody(faultRuleSchema, body)) };
  }

  @Put('outage')
  outage(@Body() body: unknown): Record<string, unknown> {
    this.faults.setOutage(parseBody(outageSchema, body).active);
    return this.faults.describe();
  }

  /** Clears every rule and ends an outage. */
  @Delete()
  @HttpCode(204)
  clear(): void {
    this.faults.clear();
  }
}
