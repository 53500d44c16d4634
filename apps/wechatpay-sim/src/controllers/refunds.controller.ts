import { Controller, Get, Param, Post, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { type ServerResponse } from 'node:http';
import { RefundsService } from '../domain/refunds-service';
import { refundSchema } from '../domain/request-schemas';
import { ApiFaultInterceptor } from '../http/api-fault.interceptor';
import { MerchantAuthGuard } from '../http/merchant-auth.guard';
import { rawBody, type SimRequest } from '../http/sim-request';
import { parseWechatBody } from '../http/wechat-body';
import { WechatPayResponder } from '../http/wechatpay-responder';

@Controller('v3/refund/domestic/refunds')
@UseGuards(MerchantAuthGuard)
@UseInterceptors(ApiFaultInterceptor)
export class RefundsController {
  constructor(
    private readonly refunds: RefundsService,
    private readonly responder: WechatPayResponder,
  ) {}

  @Post()
  create(@Req() req: SimRequest, @Res() res: ServerResponse): void {
    this.responder.send(req, res, 200, this.refunds.create(parseWechatBody(rawBody(req), refundSchema)));
  }

  @Get(':outRefundNo')
  query(@Req() req: SimRequest, @Res() res: ServerResponse, @Param('outRefundNo') outRefundNo: string): void {
    this.responder.send(req, res, 200, this.refunds.query(outRefundNo));
  }
}
