import {
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Put,
  Req,
  UseGuards,
} from '@nestjs/common';
import { z } from 'zod';
import { KEY_MODES } from '../config/sim-config';
import { bulkContractsSchema, ContractSeeder } from '../domain/contract-seeder';
import { DeductionsService } from '../domain/deductions-service';
import { faultsRequestSchema, FaultInjector } from '../faults/fault-injector';
import { AdminTokenGuard } from '@wxpay/runtime';
import { rawBody, type SimRequest } from '../http/sim-request';
import { parseSimBody } from '../http/wechat-body';
import { KeyMaterial } from '../keys/key-material';
import { NotificationDispatcher } from '../notifications/notification-dispatcher';
import { StateStore } from '../store/state-store';

const rotateBody = z.object({ activate: z.boolean().default(false) });
const activateBody = z.object({ serial: z.string().min(1) });
const keyModeBody = z.object({ mode: z.enum(KEY_MODES) });

/**
 * Operator controls: merchant material for the launcher, fault injection, delivery log, key rotation/mode, and
 * for benchmarks and tests: bulk-seeded contracts and the pre-deduction notices a contract received.
 */
@Controller('sim/admin')
@UseGuards(AdminTokenGuard)
export class AdminController {
  constructor(
    private readonly keys: KeyMaterial,
    private readonly faults: FaultInjector,
    private readonly dispatcher: NotificationDispatcher,
    private readonly store: StateStore,
    private readonly seeder: ContractSeeder,
    private readonly deductions: DeductionsService,
  ) {}

  /** What the merchant side needs: public key + id, platform certificates, file paths of the dev secrets. */
  @Get('merchant')
  merchant(): Record<string, unknown> {
    return this.keys.merchantBundle();
  }

  @Get('faults')
  listFaults(): Record<string, unknown> {
    return this.faults.describe();
  }

  @Post('faults')
  armFaults(@Req() req: SimRequest): Record<string, unknown> {
    this.faults.arm(parseSimBody(rawBody(req), faultsRequestSchema));
    return this.faults.describe();
  }

  /** Clears armed faults and releases notifications held for out-of-order delivery. */
  @Delete('faults')
  @HttpCode(204)
  clearFaults(): void {
    this.faults.clear();
    this.dispatcher.releaseHeld();
  }

  @Get('deliveries')
  deliveries(): Record<string, unknown> {
    return { pending: this.dispatcher.pendingCount(), log: this.dispatcher.log() };
  }

  @Post('certificates/rotate')
  async rotate(@Req() req: SimRequest): Promise<Record<string, unknown>> {
    const { activate } = parseSimBody(rawBody(req), rotateBody);
    const cert = await this.keys.rotatePlatformCertificate(activate);
    return { serial: cert.serial, activated: activate };
  }

  @Post('certificates/activate')
  async activate(@Req() req: SimRequest): Promise<Record<string, unknown>> {
    const { serial } = parseSimBody(rawBody(req), activateBody);
    if (!(await this.keys.activatePlatformCertificate(serial)))
      throw new NotFoundException('no such certificate');
    return { activated: serial };
  }

  /** Until restart (the environment decides the mode at start). */
  @Put('key-mode')
  async keyMode(@Req() req: SimRequest): Promise<Record<string, unknown>> {
    const { mode } = parseSimBody(rawBody(req), keyModeBody);
    await this.keys.setKeyMode(mode);
    return { keyMode: mode };
  }

  @Get('orders/:outTradeNo')
  order(@Param('outTradeNo') outTradeNo: string): Record<string, unknown> {
    const o = this.store.state.orders[outTradeNo];
    if (!o) throw new NotFoundException('no such order');
    return { ...o };
  }

  /** Signed contracts in bulk, without notifications; the list only for up to 1000 (else query by code). */
  @Post('contracts/bulk')
  seedContracts(@Req() req: SimRequest): Record<string, unknown> {
    return { ...this.seeder.seed(parseSimBody(rawBody(req), bulkContractsSchema)) };
  }

  /** Pre-deduction notices the contract received, oldest first; the newest unused one authorises a deduction. */
  @Get('contracts/:contractId/notices')
  notices(@Param('contractId') contractId: string): Record<string, unknown> {
    const notices = this.deductions.noticeHistory(contractId);
    if (!notices) throw new NotFoundException('no such contract');
    return {
      contract_id: contractId,
      notices: notices.map((n) => ({
        estimated_amount: n.estimated_amount,
        deduct_days: n.deduct_days,
        sent_at: n.sent_at,
        used: n.used,
        reserved_by: n.reserved_by,
      })),
    };
  }
}
