import { Controller, Get, Param, Post, Put, Req } from '@nestjs/common';
import { z } from 'zod';
import { OrdersService } from '../domain/orders-service';
import { ContractsService } from '../domain/contracts-service';
import { DeductionsService } from '../domain/deductions-service';
import { rawBody, type SimRequest } from '../http/sim-request';
import { parseSimBody } from '../http/wechat-body';

const payBody = z.object({
  openid: z.string().min(1).optional(),
  bank_type: z.string().min(1).optional(),
  reason: z.string().min(1).optional(),
});
const signBody = z.object({ openid: z.string().min(1) });
const balanceBody = z.object({ balance_fen: z.number().int().min(0) });
const creditCardBody = z.object({
  available_fen: z.number().int().min(0),
  bank_type: z
    .string()
    .regex(/^[A-Z0-9_]{1,32}$/)
    .default('ICBC_CREDIT'),
});

/**
 * Plays the cardholder: confirms or fails payments, signs and cancels papay contracts, holds a change balance
 * and optionally a bound credit card for deductions. Not part of WeChat Pay's API; for demos and tests.
 */
@Controller('sim/payer')
export class PayerController {
  constructor(
    private readonly orders: OrdersService,
    private readonly contracts: ContractsService,
    private readonly deductions: DeductionsService,
  ) {}

  @Post('orders/:outTradeNo/pay')
  pay(@Req() req: SimRequest, @Param('outTradeNo') outTradeNo: string): Record<string, unknown> {
    const b = parseSimBody(rawBody(req), payBody);
    return this.orders.pay(outTradeNo, b.openid, b.bank_type);
  }

  @Post('orders/:outTradeNo/fail')
  fail(@Req() req: SimRequest, @Param('outTradeNo') outTradeNo: string): Record<string, unknown> {
    return this.orders.fail(outTradeNo, parseSimBody(rawBody(req), payBody).reason);
  }

  @Post('orders/:outTradeNo/insufficient-balance')
  insufficientBalance(@Param('outTradeNo') outTradeNo: string): never {
    return this.orders.insufficientBalance(outTradeNo);
  }

  @Post('contracts/:preEntrustwebId/sign')
  sign(@Req() req: SimRequest, @Param('preEntrustwebId') id: string): Record<string, unknown> {
    return this.contracts.payerSign(id, parseSimBody(rawBody(req), signBody).openid);
  }

  @Post('contracts/:contractId/terminate')
  terminate(@Param('contractId') contractId: string): Record<string, unknown> {
    return this.contracts.terminateByPayer(contractId);
  }

  @Get('payers/:openid/balance')
  balance(@Param('openid') openid: string): { openid: string; balance_fen: number } {
    return { openid, balance_fen: this.deductions.balance(openid) };
  }

  @Put('payers/:openid/balance')
  setBalance(
    @Req() req: SimRequest,
    @Param('openid') openid: string,
  ): { openid: string; balance_fen: number } {
    this.deductions.setBalance(openid, parseSimBody(rawBody(req), balanceBody).balance_fen);
    return { openid, balance_fen: this.deductions.balance(openid) };
  }

  @Get('payers/:openid/credit-card')
  creditCard(@Param('openid') openid: string): Record<string, unknown> {
    return { openid, credit_card: this.deductions.creditCard(openid) ?? null };
  }

  /** Binds (or replaces) the payer's credit card with its available credit. */
  @Put('payers/:openid/credit-card')
  setCreditCard(@Req() req: SimRequest, @Param('openid') openid: string): Record<string, unknown> {
    this.deductions.setCreditCard(openid, parseSimBody(rawBody(req), creditCardBody));
    return { openid, credit_card: this.deductions.creditCard(openid) };
  }
}
