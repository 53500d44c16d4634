import { AdminTokenGuard } from '@wxpay/runtime';
import { Controller, Header, Param, Post, UseGuards } from '@nestjs/common';
import { beijingDate } from '@wxpay/unionpay';
import { SettlementService } from '../settlement/settlement.service';
import { parseDate } from './validation';

/** Generates (and writes to <dataDir>/settlement) the settlement file of a Beijing calendar date. */
@Controller('admin/settlement')
@UseGuards(AdminTokenGuard)
export class SettlementController {
  constructor(private readonly settlement: SettlementService) {}

  /** JSON: path, summary (counts and totals) and the file content. */
  @Post(':date')
  async generate(@Param('date') date: string): Promise<Record<string, unknown>> {
    const day = date === 'today' ? beijingDate(new Date()) : parseDate(date);
    return { ...(await this.settlement.generate(day)) };
  }

  /** The file itself (text/plain), generated on the spot. */
  @Post(':date/file')
  @Header('content-type', 'text/plain; charset=us-ascii')
  async file(@Param('date') date: string): Promise<string> {
    const day = date === 'today' ? beijingDate(new Date()) : parseDate(date);
    return (await this.settlement.generate(day)).content;
  }
}
