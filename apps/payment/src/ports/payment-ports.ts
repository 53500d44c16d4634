import { type WechatPayNotificationParser } from '@wxpay/wechatpay';
import { type ChannelPort } from './channel.port';
import { type RiskPort } from './risk.port';
import { type TradeBillSource } from './trade-bill.port';
import { type VaultPort } from './vault.port';
import { type WechatPayPort } from './wechatpay.port';

/** The counterparties, each behind its port; tests replace any of them with a stand-in. */
export interface PaymentPorts {
  risk: RiskPort;
  vault: VaultPort;
  channel: ChannelPort;
  wechat: WechatPayPort;
  tradeBill: TradeBillSource;
  /** Verifies and decrypts WeChat Pay's notifications (its keys come from the merchant configuration). */
  notifications: WechatPayNotificationParser;
}

export const TRADE_BILL_SOURCE = Symbol('TRADE_BILL_SOURCE');
export const NOTIFICATION_PARSER = Symbol('NOTIFICATION_PARSER');
