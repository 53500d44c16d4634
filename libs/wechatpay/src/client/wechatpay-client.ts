import { type KeyObject } from 'node:crypto';
import { ApiV3Key } from '../crypto/apiv3-key';
import { downloadPlatformCertificates, type PlatformCertificate } from '../certificates/certificate-download';
import {
  PlatformCertificateRefresher,
  type CertificateRefresherOptions,
} from '../certificates/certificate-refresher';
import {
  WechatPayNotificationParser,
  type NotificationParserOptions,
} from '../notifications/notification-parser';
import { MerchantSigner } from '../signing/merchant-signer';
import { systemClock, type Clock } from '../verification/clock';
import { type WechatPayKeyStore } from '../verification/key-store';
import { WechatPaySignatureVerifier } from '../verification/signature-verifier';
import { ApiCaller } from './api-caller';
import { type CallOptions, type MerchantContext } from './merchant-context';
import { PapayApi } from './papay-api';
import { PaymentsApi } from './payments-api';
import { RefundsApi } from './refunds-api';
import { WechatPayHttp } from './wechatpay-http';

export interface WechatPayClientOptions {
  readonly mchid: string;
  readonly appid: string;
  /** `apiclient_key.pem` (PKCS#8) or a parsed KeyObject. */
  readonly merchantPrivateKey: string | Buffer | KeyObject;
  /** Serial of `apiclient_cert.pem`. */
  readonly merchantCertificateSerial: string;
  readonly apiV3Key: ApiV3Key | string | Buffer;
  /** WeChat Pay public key and/or platform certificates; shared with the notification parser. */
  readonly keyStore: WechatPayKeyStore;
  /** `https://api.mch.weixin.qq.com` by default; the simulator locally. */
  readonly baseUrl?: string;
  readonly userAgent?: string;
  readonly attemptTimeoutMs?: number;
  readonly deadlineMs?: number;
  readonly maxAttempts?: number;
  readonly backoffBaseMs?: number;
  readonly clock?: Clock;
  readonly maxSkewSeconds?: number;
  readonly fetch?: typeof fetch;
}

/**
 * The typed WeChat Pay v3 client: every request signed over its exact bytes, every 2xx answer verified, errors
 * typed (WechatPayApiError with WeChat's code, message and HTTP status; WechatPayTransportError;
 * WechatPayVerificationError). Amounts are integer fen.
 */
export class WechatPayClient {
  readonly payments: PaymentsApi;
  readonly refunds: RefundsApi;
  readonly papay: PapayApi;
  readonly signer: MerchantSigner;
  readonly keyStore: WechatPayKeyStore;
  private readonly apiV3Key: ApiV3Key;
  private readonly clock: Clock;
  private readonly caller: ApiCaller;
  private refresher: PlatformCertificateRefresher | undefined;

  constructor(private readonly options: WechatPayClientOptions) {
    this.clock = options.clock ?? systemClock;
    this.keyStore = options.keyStore;
    this.apiV3Key = options.apiV3Key instanceof ApiV3Key ? options.apiV3Key : ApiV3Key.from(options.apiV3Key);
    this.signer = new MerchantSigner(
      {
        mchid: options.mchid,
        certificateSerial: options.merchantCertificateSerial,
        privateKey: options.merchantPrivateKey,
      },
      this.clock,
    );
    const http = new WechatPayHttp({
      signer: this.signer,
      baseUrl: options.baseUrl,
      userAgent: options.userAgent,
      attemptTimeoutMs: options.attemptTimeoutMs,
      deadlineMs: options.deadlineMs,
      maxAttempts: options.maxAttempts,
      backoffBaseMs: options.backoffBaseMs,
      fetch: options.fetch,
      wechatpaySerial: () => this.keyStore.preferred(this.clock())?.serial,
    });
    const verifier = new WechatPaySignatureVerifier({
      keyStore: this.keyStore,
      clock: this.clock,
      maxSkewSeconds: options.maxSkewSeconds,
      onUnknownSerial: (serial) => this.onUnknownSerial(serial),
    });
    this.caller = new ApiCaller(http, verifier);
    const ctx: MerchantContext = {
      mchid: options.mchid,
      appid: options.appid,
      caller: this.caller,
      signer: this.signer,
      keyStore: this.keyStore,
      clock: this.clock,
    };
    this.payments = new PaymentsApi(ctx);
    this.refunds = new RefundsApi(ctx);
    this.papay = new PapayApi(ctx, this.payments);
  }

  /** Certificate mode: downloads, decrypts and verifies the platform certificates (does not adopt them). */
  downloadCertificates(options: CallOptions = {}): Promise<PlatformCertificate[]> {
    return downloadPlatformCertificates({
      caller: this.caller,
      apiV3Key: this.apiV3Key,
      keyStore: this.keyStore,
      clock: this.clock,
      signal: options.signal,
    });
  }

  /**
   * Certificate mode: a refresher that adopts downloaded certificates into this client's key store, and is
   * consulted (rate-limited) when a response or a notification names an unknown certificate serial.
   */
  enableCertificateRefresh(
    options: Omit<CertificateRefresherOptions, 'download' | 'keyStore' | 'clock'> = {},
  ): PlatformCertificateRefresher {
    this.refresher?.stop();
    this.refresher = new PlatformCertificateRefresher({
      ...options,
      download: () => this.downloadCertificates(),
      keyStore: this.keyStore,
      clock: this.clock,
    });
    return this.refresher;
  }

  /** The webhook's parser, sharing this client's keys (and certificate refresh) and expecting our merchant. */
  notificationParser(
    options: Omit<NotificationParserOptions, 'apiV3Key' | 'keyStore' | 'clock' | 'onUnknownSerial'> = {},
  ): WechatPayNotificationParser {
    return new WechatPayNotificationParser({
      expectedMchid: this.options.mchid,
      expectedAppid: this.options.appid,
      maxSkewSeconds: this.options.maxSkewSeconds,
      ...options,
      apiV3Key: this.apiV3Key,
      keyStore: this.keyStore,
      clock: this.clock,
      onUnknownSerial: (serial) => this.onUnknownSerial(serial),
    });
  }

  private onUnknownSerial(serial: string): Promise<boolean> {
    return this.refresher ? this.refresher.refreshForUnknownSerial(serial) : Promise.resolve(false);
  }
}
