import { Controller, Get, Param, Post, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { type ServerResponse } from 'node:http';
import { ContractsService } from '../domain/contracts-service';
import { DeductionsService } from '../domain/deductions-service';
import {
  deductionSchema,
  failNoticeSchema,
  preDeductionNoticeSchema,
  preEntrustSignSchema,
  scheduleSchema,
  terminateSchema,
} from '../domain/request-schemas';
import { ApiFaultInterceptor } from '../http/api-fault.interceptor';
import { MerchantAuthGuard } from '../http/merchant-auth.guard';
import { rawBody, type SimRequest } from '../http/sim-request';
import { parseWechatBody } from '../http/wechat-body';
import { WechatPayResponder } from '../http/wechatpay-responder';
import { KeyMaterial } from '../keys/key-material';

/** APIv3 papay paths as the client uses them (see libs/wechatpay papay-api.ts for the assumptions). */
@Controller('v3/papay')
@UseGuards(MerchantAuthGuard)
@UseInterceptors(ApiFaultInterceptor)
export class PapayController {
  constructor(
    private readonly contracts: ContractsService,
    private readonly deductions: DeductionsService,
    private readonly responder: WechatPayResponder,
    private readonly keys: KeyMaterial,
  ) {}

  @Post('sign/contracts/pre-entrust-sign')
  preEntrustSign(@Req() req: SimRequest, @Res() res: ServerResponse): void {
    this.responder.send(
      req,
      res,
      200,
      this.contracts.preEntrustSign(parseWechatBody(rawBody(req), preEntrustSignSchema)),
    );
  }

  @Get('sign/contracts/plan-id/:planId/out-contract-code/:code')
  queryContract(
    @Req() req: SimRequest,
    @Res() res: ServerResponse,
    @Param('planId') planId: string,
    @Param('code') code: string,
  ): void {
    this.responder.send(req, res, 200, this.contracts.queryContract(planId, code));
  }

  @Post('sign/contracts/plan-id/:planId/out-contract-code/:code/terminate')
  terminate(
    @Req() req: SimRequest,
    @Res() res: ServerResponse,
    @Param('planId') planId: string,
    @Param('code') code: string,
  ): void {
    const body = parseWechatBody(rawBody(req), terminateSchema);
    this.responder.send(
      req,
      res,
      200,
      this.contracts.terminateByMerchant(planId, code, body.appid, body.contract_termination_remark),
    );
  }

  @Post('contracts/:contractId/notify')
  notice(@Req() req: SimRequest, @Res() res: ServerResponse, @Param('contractId') contractId: string): void {
    this.deductions.preDeductionNotice(contractId, parseWechatBody(rawBody(req), preDeductionNoticeSchema));
    this.responder.send(req, res, 204);
  }

  @Post('contracts/:contractId/fail-notify')
  failNotice(
    @Req() req: SimRequest,
    @Res() res: ServerResponse,
    @Param('contractId') contractId: string,
  ): void {
    const body = parseWechatBody(rawBody(req), failNoticeSchema);
    this.deductions.failNotice(contractId, body.mchid, body.appid);
    this.responder.send(req, res, 204);
  }

  @Post('pay/schedules/contract-id/:contractId/schedule')
  schedule(
    @Req() req: SimRequest,
    @Res() res: ServerResponse,
    @Param('contractId') contractId: string,
  ): void {
    const body = parseWechatBody(rawBody(req), scheduleSchema);
    this.responder.send(
      req,
      res,
      200,
      this.deductions.schedule(contractId, body.appid, body.schedule_amount),
    );
  }

  @Get('pay/schedules/contract-id/:contractId')
  querySchedule(
    @Req() req: SimRequest,
    @Res() res: ServerResponse,
    @Param('contractId') contractId: string,
  ): void {
    this.responder.send(req, res, 200, this.deductions.querySchedule(contractId));
  }

  @Post('pay/transactions/apply')
  apply(@Req() req: SimRequest, @Res() res: ServerResponse): void {
    const body = parseWechatBody(rawBody(req), deductionSchema);
    this.responder.send(req, res, 200, this.deductions.applyDeduction(body, this.keys.merchant.mchid));
  }
}
