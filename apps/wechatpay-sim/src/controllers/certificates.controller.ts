import { Controller, Get, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { type ServerResponse } from 'node:http';
import { encryptResource } from '@wxpay/wechatpay';
import { beijingTime } from '../domain/wechat-time';
import { ApiFaultInterceptor } from '../http/api-fault.interceptor';
import { MerchantAuthGuard } from '../http/merchant-auth.guard';
import { wechatErrors } from '../http/sim-api-error';
import { type SimRequest } from '../http/sim-request';
import { WechatPayResponder } from '../http/wechatpay-responder';
import { KeyMaterial } from '../keys/key-material';

/** `GET /v3/certificates`: every unexpired platform certificate, AES-GCM encrypted; 404 in public-key mode. */
@Controller('v3/certificates')
@UseGuards(MerchantAuthGuard)
@UseInterceptors(ApiFaultInterceptor)
export class CertificatesController {
  constructor(
    private readonly keys: KeyMaterial,
    private readonly responder: WechatPayResponder,
  ) {}

  @Get()
  list(@Req() req: SimRequest, @Res() res: ServerResponse): void {
    if (this.keys.keyMode === 'public-key') {
      throw wechatErrors.resourceNotExists('无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥');
    }
    const data = this.keys.listedCertificates().map((c) => ({
      serial_no: c.serial,
      effective_time: beijingTime(c.notBefore),
      expire_time: beijingTime(c.notAfter),
      encrypt_certificate: encryptResource(c.certificatePem, this.keys.apiV3Key, 'certificate'),
    }));
    this.responder.send(req, res, 200, { data });
  }
}
