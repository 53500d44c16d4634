import { Controller, Get, Param, Post, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { type ServerResponse } from 'node:http';
import { OrdersService } from '../domain/orders-service';
import { closeSchema, jsapiOrderSchema, orderSchema } from '../domain/request-schemas';
import { ApiFaultInterceptor } from '../http/api-fault.interceptor';
import { MerchantAuthGuard } from '../http/merchant-auth.guard';
import { header, queryParam, rawBody, type SimRequest } from '../http/sim-request';
import { parseWechatBody } from '../http/wechat-body';
import { WechatPayResponder } from '../http/wechatpay-responder';
import { KeyMaterial } from '../keys/key-material';

@Controller('v3/pay/transactions')
@UseGuards(MerchantAuthGuard)
@UseInterceptors(ApiFaultInterceptor)
export class TransactionsController {
  constructor(
    private readonly orders: OrdersService,
    private readonly responder: WechatPayResponder,
    private readonly keys: KeyMaterial,
  ) {}

  @Post('jsapi')
  jsapi(@Req() req: SimRequest, @Res() res: ServerResponse): void {
    const body = parseWechatBody(rawBody(req), jsapiOrderSchema);
    const answer = this.orders.createJsapi(body, this.keys.merchant.mchid, header(req, 'wechatpay-serial'));
    this.responder.send(req, res, 200, answer);
  }

  @Post('native')
  native(@Req() req: SimRequest, @Res() res: ServerResponse): void {
    const body = parseWechatBody(rawBody(req), orderSchema);
    this.responder.send(req, res, 200, this.orders.createNative(body, this.keys.merchant.mchid));
  }

  @Get('id/:transactionId')
  byTransactionId(
    @Req() req: SimRequest,
    @Res() res: ServerResponse,
    @Param('transactionId') id: string,
  ): void {
    this.responder.send(req, res, 200, this.orders.queryByTransactionId(id, queryParam(req, 'mchid')));
  }

  @Get('out-trade-no/:outTradeNo')
  byOutTradeNo(
    @Req() req: SimRequest,
    @Res() res: ServerResponse,
    @Param('outTradeNo') outTradeNo: string,
  ): void {
    this.responder.send(req, res, 200, this.orders.query(outTradeNo, queryParam(req, 'mchid')));
  }

  @Post('out-trade-no/:outTradeNo/close')
  close(@Req() req: SimRequest, @Res() res: ServerResponse, @Param('outTradeNo') outTradeNo: string): void {
    const body = parseWechatBody(rawBody(req), closeSchema);
    this.orders.close(outTradeNo, body.mchid);
    this.responder.send(req, res, 204);
  }
}
