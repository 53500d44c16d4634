import { type ChannelPort } from '../ports/channel.port';
import { type RiskPort } from '../ports/risk.port';
import { type VaultPort } from '../ports/vault.port';
import { type WechatPayPort } from '../ports/wechatpay.port';
import { type TradeBillSource } from '../domain/reconciliation';

/** The counterparties, each behind its port; tests replace any of them with a stand-in. */
export interface PaymentPorts {
  risk: RiskPort;
  vault: VaultPort;
  channel: ChannelPort;
  wechat: WechatPayPort;
  tradeBill: TradeBillSource;
}
