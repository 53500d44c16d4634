import { AdminTokenGuard } from '@wxpay/runtime';
import {
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseIntPipe,
  Patch,
  Post,
  UseGuards,
} from '@nestjs/common';
import { isYymm, panProblem } from '@wxpay/card';
import { z } from 'zod';
import { AccountExistsError, accountView, CardAccounts } from '../issuer/card-accounts';
import { ACCOUNT_STATUSES } from '../issuer/ledger-model';
import { parseBody } from './validation';

const pan = z
  .string()
  .refine((v) => panProblem(v) === undefined, { message: 'must be a Luhn-valid 13-19 digit card number' });
const status = z.enum(ACCOUNT_STATUSES as [string, ...string[]]);
const minor = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const createSchema = z.object({
  pan,
  expiry: z.string().refine((v) => isYymm(v), 'must be YYMM'),
  currency: z.enum(['CNY', 'HKD', 'USD', 'EUR', 'JPY']).default('CNY'),
  creditLimitMinor: minor,
  balanceMinor: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).default(0),
  status: status.default('active'),
  singleTransactionLimitMinor: minor.min(1).nullable().default(null),
});
const lookupSchema = z.object({ pan });
const updateSchema = z.object({
  status: status.optional(),
  creditLimitMinor: minor.optional(),
  singleTransactionLimitMinor: minor.min(1).nullable().optional(),
});

/** Card accounts: seed, look up (by PAN in a POST body, never in a URL), read balances, change status/limits. */
@Controller('admin/accounts')
@UseGuards(AdminTokenGuard)
export class AccountsController {
  constructor(private readonly accounts: CardAccounts) {}

  @Post()
  async create(@Body() body: unknown): Promise<Record<string, unknown>> {
    const a = parseBody(createSchema, body);
    try {
      return accountView(
        await this.accounts.create({
          pan: a.pan,
          expiry: a.expiry,
          currency: a.currency,
          creditLimitMinor: a.creditLimitMinor,
          balanceMinor: a.balanceMinor,
          status: a.status as (typeof ACCOUNT_STATUSES)[number],
          singleLimitMinor: a.singleTransactionLimitMinor,
        }),
      );
    } catch (e) {
      if (e instanceof AccountExistsError) throw new ConflictException({ code: 'ACCOUNT_EXISTS' });
      throw e;
    }
  }

  @Post('lookup')
  @HttpCode(200)
  async lookup(@Body() body: unknown): Promise<Record<string, unknown>> {
    const account = await this.accounts.findByPan(parseBody(lookupSchema, body).pan);
    if (!account) throw new NotFoundException({ code: 'NO_SUCH_ACCOUNT' });
    return accountView(account);
  }

  @Get()
  async list(): Promise<Record<string, unknown>[]> {
    return (await this.accounts.list()).map(accountView);
  }

  @Get(':id')
  async get(@Param('id', ParseIntPipe) id: number): Promise<Record<string, unknown>> {
    const account = await this.accounts.get(id);
    if (!account) throw new NotFoundException({ code: 'NO_SUCH_ACCOUNT' });
    return accountView(account);
  }

  @Patch(':id')
  async update(
    @Param('id', ParseIntPipe) id: number,
    @Body() body: unknown,
  ): Promise<Record<string, unknown>> {
    const c = parseBody(updateSchema, body);
    const account = await this.accounts.update(id, {
      status: c.status as (typeof ACCOUNT_STATUSES)[number] | undefined,
      creditLimitMinor: c.creditLimitMinor,
      singleLimitMinor: c.singleTransactionLimitMinor,
    });
    if (!account) throw new NotFoundException({ code: 'NO_SUCH_ACCOUNT' });
    return accountView(account);
  }
}
