import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { RiskEngineService, TokenVaultService } from '@wxpay/contracts';
import { type HealthRegistry, type Logger } from '@wxpay/observability';
import { CounterpartyConnections, DATA_SOURCE, HEALTH, LOGGER } from '@wxpay/runtime';
import { createUnionPayClientFromEnv, UnionPayRequestLogReader } from '@wxpay/unionpay';
import { createWechatPayClientFromEnv, type WechatPayClient } from '@wxpay/wechatpay';
import { type DataSource } from 'typeorm';
import { RiskAdapter } from './adapters/risk.adapter';
import { HttpSettlementSource } from './adapters/unionpay/http-settlement.source';
import { UnionPayChannelAdapter } from './adapters/unionpay/unionpay-channel.adapter';
import { VaultAdapter } from './adapters/vault.adapter';
import { WechatPayAdapter } from './adapters/wechatpay.adapter';
import { WechatPayTradeBillAdapter } from './adapters/wechatpay-trade-bill.adapter';
import { notifyBaseUrl, SERVICE_NAME } from './config';
import { once, PAYMENT_OPTIONS, type PaymentRunOptions } from './payment-options';
import { ChannelRefundLinkRepository } from './persistence/channel-refund-link.repository';
import { CHANNEL_PORT } from './ports/channel.port';
import { NOTIFICATION_PARSER, TRADE_BILL_SOURCE } from './ports/payment-ports';
import { RISK_PORT } from './ports/risk.port';
import { VAULT_PORT } from './ports/vault.port';
import { WECHATPAY_PORT, type WechatPayPort } from './ports/wechatpay.port';

const WECHATPAY_CLIENT = Symbol('WECHATPAY_CLIENT');

/**
 * The counterparties behind their ports: WeChat Pay (signed HTTPS), risk and the vault (typed gRPC clients over
 * mutual TLS that check the server's service identity), the UnionPay channel (TLS, SM-protected ISO 8583, its
 * request log in our database, read through libs/unionpay). Tests and benchmarks hand in stand-ins for any.
 */
@Module({})
export class CounterpartiesModule {
  /** One instance per options (one set of connections), however many modules import it. */
  static forRoot(options: PaymentRunOptions): DynamicModule {
    return once(CounterpartiesModule, options, () => CounterpartiesModule.build(options));
  }

  private static build(options: PaymentRunOptions): DynamicModule {
    const { config, tls } = options;
    const given = options.ports ?? {};
    const port = <T>(token: symbol, value: T | undefined, build: Omit<Provider, 'provide'>): Provider =>
      value !== undefined ? { provide: token, useValue: value } : ({ provide: token, ...build } as Provider);
    return {
      module: CounterpartiesModule,
      providers: [
        { provide: PAYMENT_OPTIONS, useValue: options },
        CounterpartyConnections,
        {
          provide: ChannelRefundLinkRepository,
          inject: [DATA_SOURCE],
          useFactory: (ds: DataSource) => new ChannelRefundLinkRepository(ds),
        },
        {
          provide: UnionPayRequestLogReader,
          inject: [DATA_SOURCE],
          useFactory: (ds: DataSource) => new UnionPayRequestLogReader(ds),
        },
        // Built only when something needs it: stand-ins need no merchant key files.
        { provide: WECHATPAY_CLIENT, useFactory: () => lazy(() => createWechatPayClientFromEnv(config)) },
        port(WECHATPAY_PORT, given.wechat, {
          inject: [WECHATPAY_CLIENT],
          useFactory: (client: () => WechatPayClient) =>
            new WechatPayAdapter(client(), notifyBaseUrl(config)),
        }),
        port(NOTIFICATION_PARSER, given.notifications, {
          inject: [WECHATPAY_CLIENT],
          useFactory: (client: () => WechatPayClient) => client().notificationParser(),
        }),
        port(TRADE_BILL_SOURCE, given.tradeBill, {
          inject: [WECHATPAY_PORT],
          useFactory: (wechat: WechatPayPort) => new WechatPayTradeBillAdapter(wechat),
        }),
        port(RISK_PORT, given.risk, {
          inject: [CounterpartyConnections, LOGGER],
          useFactory: async (connections: CounterpartyConnections, logger: Logger) =>
            new RiskAdapter(
              await connections.grpcClient(
                RiskEngineService,
                {
                  address: config.RISK_GRPC_ADDRESS,
                  tls,
                  server: 'risk',
                  deadlineMs: config.RISK_DEADLINE_MS,
                },
                logger,
              ),
            ),
        }),
        port(VAULT_PORT, given.vault, {
          inject: [CounterpartyConnections, LOGGER],
          useFactory: async (connections: CounterpartyConnections, logger: Logger) => {
            const client = await connections.grpcClient(
              TokenVaultService,
              {
                address: config.TOKENIZATION_GRPC_ADDRESS,
                tls,
                server: 'tokenization',
                deadlineMs: config.VAULT_DEADLINE_MS,
              },
              logger,
            );
            return new VaultAdapter(client, config.VAULT_DEADLINE_MS);
          },
        }),
        port(CHANNEL_PORT, given.channel, {
          inject: [
            DATA_SOURCE,
            LOGGER,
            HEALTH,
            CounterpartyConnections,
            UnionPayRequestLogReader,
            ChannelRefundLinkRepository,
          ],
          useFactory: async (
            ds: DataSource,
            logger: Logger,
            health: HealthRegistry,
            connections: CounterpartyConnections,
            log: UnionPayRequestLogReader,
            links: ChannelRefundLinkRepository,
          ) => {
            const client = await createUnionPayClientFromEnv(config, ds, logger, SERVICE_NAME);
            // Connects in the background when the switch is not up yet; readiness reports it.
            await client.start(2_000);
            connections.add(() => client.close());
            health.register('unionpay', async () => {
              if (!client.ready) throw new Error('the UnionPay channel is not signed on');
            });
            return new UnionPayChannelAdapter(
              client,
              log,
              links,
              new HttpSettlementSource(
                { url: config.UNIONPAY_SETTLEMENT_URL, token: config.UNIONPAY_SETTLEMENT_TOKEN },
                log,
                links,
              ),
              { reversalWaitMs: 2_000 },
            );
          },
        }),
      ],
      exports: [
        PAYMENT_OPTIONS,
        CounterpartyConnections,
        WECHATPAY_PORT,
        NOTIFICATION_PARSER,
        TRADE_BILL_SOURCE,
        RISK_PORT,
        VAULT_PORT,
        CHANNEL_PORT,
      ],
    };
  }
}

function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
