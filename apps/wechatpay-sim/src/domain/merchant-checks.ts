import { wechatErrors } from '../http/sim-api-error';
import { type KeyMaterial } from '../keys/key-material';
import { type SimSettings } from '../sim-settings';

/** The registered merchant's identity checks, shared by every API. */
export class MerchantChecks {
  constructor(
    private readonly keys: KeyMaterial,
    private readonly settings: SimSettings,
  ) {}

  mchid(mchid: string | undefined): void {
    if (mchid === undefined)
      throw wechatErrors.paramError('缺少参数mchid', { field: 'mchid', location: 'query' });
    if (mchid !== this.keys.merchant.mchid) throw wechatErrors.mchNotExists();
  }

  appid(appid: string): void {
    if (appid !== this.keys.merchant.appid) throw wechatErrors.appidMchidNotMatch();
  }

  notifyUrl(url: string | undefined, field: string): void {
    if (url && !url.startsWith('https://') && !this.settings.config.allowHttpNotifyUrl) {
      throw wechatErrors.paramError(`${field}必须为https地址`, { field: `/${field}`, location: 'body' });
    }
  }
}
