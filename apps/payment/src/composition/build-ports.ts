import { protoPath } from '@wxpay/contracts';
import { createGrpcClient, type GrpcTlsConfig, loadProtos } from '@wxpay/grpc';
import { type HealthRegistry, type Logger } from '@wxpay/observability';
import { createUnionPayClientFromEnv, type UnionPayClient } from '@wxpay/unionpay';
import { createWechatPayClientFromEnv, type WechatPayNotificationParser } from '@wxpay/wechatpay';
import { type DataSource } from 'typeorm';
import { notifyBaseUrl, type PaymentConfig } from '../config';
import { RiskGrpcAdapter } from '../adapters/risk.adapter';
import { HttpSettlementSource } from '../adapters/unionpay/http-settlement.source';
import { RequestLogLookup } from '../persistence/channel-refund-link.repository';
import { UnionPayChannelAdapter } from '../adapters/unionpay/unionpay-channel.adapter';
import { VaultGrpcAdapter } from '../adapters/vault.adapter';
import { WechatPayAdapter } from '../adapters/wechatpay.adapter';
import { QueryTradeBillSource } from '../adapters/wechatpay-trade-bill.adapter';
import { type PaymentPorts } from './payment-ports';

export interface BuiltPorts {
  ports: PaymentPorts;
  parser: WechatPayNotificationParser;
  close(): Promise<void>;
}

/**
 * The real counterparties from configuration, except those a test hands in: WeChat Pay (signed HTTPS), risk and
 * the vault (mutual-TLS gRPC), the UnionPay channel (TLS, SM-protected ISO 8583, its request log in our database).
 */
export async function buildPorts(
  config: PaymentConfig,
  ds: DataSource,
  tls: GrpcTlsConfig,
  logger: Logger,
  health: HealthRegistry,
  overrides: Partial<PaymentPorts>,
): Promise<BuiltPorts> {
  const closers: (() => Promise<void> | void)[] = [];
  const wechatClient = createWechatPayClientFromEnv(config);
  const wechat = overrides.wechat ?? new WechatPayAdapter(wechatClient, notifyBaseUrl(config));
  const pkg = loadProtos([
    protoPath('gateway/risk/v1/risk.proto'),
    protoPath('gateway/tokenization/v1/tokenization.proto'),
  ]);
  let risk = overrides.risk;
  if (!risk) {
    const client = createGrpcClient(pkg, 'gateway.risk.v1.RiskEngine', config.RISK_GRPC_ADDRESS, tls);
    closers.push(() => client.close());
    risk = new RiskGrpcAdapter(client);
  }
  let vault = overrides.vault;
  if (!vault) {
    const client = createGrpcClient(
      pkg,
      'gateway.tokenization.v1.TokenVault',
      config.TOKENIZATION_GRPC_ADDRESS,
      tls,
    );
    closers.push(() => client.close());
    vault = new VaultGrpcAdapter(client, config.VAULT_DEADLINE_MS);
  }
  let channel = overrides.channel;
  if (!channel) {
    const client: UnionPayClient = await createUnionPayClientFromEnv(config, ds, logger, 'payment');
    // Connects in the background when the switch is not up yet; readiness reports it.
    await client.start(2_000);
    closers.push(() => client.close());
    health.register('unionpay', async () => {
      if (!client.ready) throw new Error('the UnionPay channel is not signed on');
    });
    const log = new RequestLogLookup(ds);
    channel = new UnionPayChannelAdapter(
      client,
      log,
      new HttpSettlementSource(config.UNIONPAY_SETTLEMENT_URL, log),
      {
        reversalWaitMs: 2_000,
      },
    );
  }
  return {
    ports: {
      wechat,
      risk,
      vault,
      channel,
      tradeBill: overrides.tradeBill ?? new QueryTradeBillSource(wechat),
    },
    parser: wechatClient.notificationParser(),
    async close() {
      for (const c of closers.reverse()) await c();
    },
  };
}
