import { protoPath } from '@wxpay/contracts';
import { createGrpcClient, type GrpcTlsConfig, loadProtos } from '@wxpay/grpc';
import { type HealthRegistry, type Logger, type Metrics } from '@wxpay/observability';
import { createUnionPayClientFromEnv } from '@wxpay/unionpay';
import { createWechatPayClientFromEnv } from '@wxpay/wechatpay';
import { type DataSource } from 'typeorm';
import { UnionPayCardAccountAdapter } from '../adapters/unionpay-card-account.adapter';
import { WechatPayPapayAdapter } from '../adapters/wechatpay-papay.adapter';
import { SERVICE_NAME, type RepaymentConfig } from '../config';
import { type CardAccountPort } from '../ports/card-account.port';
import { type PapayPort } from '../ports/papay.port';

export interface BuiltPorts {
  papay: PapayPort;
  cardAccount: CardAccountPort;
  close(): Promise<void>;
}

/** WeChat Pay papay (signed HTTPS), the vault (mutual-TLS gRPC) and the UnionPay channel (TLS, SM-protected). */
export async function buildPorts(
  config: RepaymentConfig,
  ds: DataSource,
  tls: GrpcTlsConfig,
  logger: Logger,
  metrics: Metrics,
  health: HealthRegistry,
  overrides: Partial<Pick<BuiltPorts, 'papay' | 'cardAccount'>>,
): Promise<BuiltPorts> {
  const closers: (() => Promise<void> | void)[] = [];
  const papay =
    overrides.papay ??
    new WechatPayPapayAdapter(createWechatPayClientFromEnv(config), config.REPAYMENT_NOTIFY_URL);
  let cardAccount = overrides.cardAccount;
  if (!cardAccount) {
    const vault = createGrpcClient(
      loadProtos([protoPath('gateway/tokenization/v1/tokenization.proto')]),
      'gateway.tokenization.v1.TokenVault',
      config.TOKENIZATION_GRPC_ADDRESS,
      tls,
    );
    closers.push(() => vault.close());
    const channel = await createUnionPayClientFromEnv(config, ds, logger, SERVICE_NAME, metrics);
    // Connects in the background when the switch is not up yet; readiness reports it.
    await channel.start(2_000);
    closers.push(() => channel.close());
    health.register('unionpay', async () => {
      if (!channel.ready) throw new Error('the UnionPay channel is not signed on');
    });
    cardAccount = new UnionPayCardAccountAdapter(vault, channel, config.VAULT_DEADLINE_MS);
  }
  return {
    papay,
    cardAccount,
    async close() {
      for (const c of closers.reverse()) await c();
    },
  };
}
