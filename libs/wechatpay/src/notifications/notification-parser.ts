import { type z } from 'zod';
import { ApiV3Key } from '../crypto/apiv3-key';
import { decryptResource } from '../crypto/aead-aes-256-gcm';
import { VerificationFailure, WechatPayVerificationError } from '../errors/verification-error';
import { papayContractSchema } from '../models/papay';
import { refundNoticeSchema } from '../models/refund';
import { transactionSchema } from '../models/transaction';
import { type Clock } from '../verification/clock';
import { type HeaderSource } from '../verification/headers';
import { type WechatPayKeyStore } from '../verification/key-store';
import {
  WechatPaySignatureVerifier,
  type UnknownSerialHook,
  type VerifiedSignature,
} from '../verification/signature-verifier';
import { notificationEnvelopeSchema, type NotificationEnvelope } from './envelope';
import { type NotificationMeta, type VerifiedNotification } from './verified-notification';

/** Real notifications are 1–2 KiB; anything far larger is refused before any crypto runs. */
export const DEFAULT_MAX_NOTIFICATION_BYTES = 64 * 1024;

export interface NotificationParserOptions {
  readonly apiV3Key: ApiV3Key | string | Buffer;
  readonly keyStore: WechatPayKeyStore;
  readonly clock?: Clock;
  readonly maxSkewSeconds?: number;
  readonly maxBodyBytes?: number;
  /** When set, resources naming another merchant / app are refused (WeChat's "fake notification" warning). */
  readonly expectedMchid?: string;
  readonly expectedAppid?: string;
  /** Certificate mode: a rate-limited refresh for an unknown serial (see PlatformCertificateRefresher). */
  readonly onUnknownSerial?: UnknownSerialHook;
}

/**
 * The webhook's single entry point: `parse(req.headers, rawBody)` with the body bytes exactly as received.
 * Order: size, signature headers, timestamp window, SIGNTEST probe, key by serial, RSA signature, JSON envelope,
 * AES-GCM (tag checked), resource shape, merchant. It has no side effects: a rejection leaves nothing behind,
 * and the caller answers 4xx/5xx so WeChat retries.
 */
export class WechatPayNotificationParser {
  private readonly key: ApiV3Key;
  private readonly verifier: WechatPaySignatureVerifier;
  private readonly maxBodyBytes: number;

  constructor(private readonly options: NotificationParserOptions) {
    this.key = options.apiV3Key instanceof ApiV3Key ? options.apiV3Key : ApiV3Key.from(options.apiV3Key);
    this.verifier = new WechatPaySignatureVerifier(options);
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_NOTIFICATION_BYTES;
  }

  /**
   * `body` is the JSON an HTTP framework already parsed from exactly these bytes, so they are not parsed twice
   * (the signature is still checked over the bytes); without it the bytes are parsed here.
   * @throws WechatPayVerificationError with the failure code.
   */
  async parse(headers: HeaderSource, rawBody: Buffer, body?: unknown): Promise<VerifiedNotification> {
    this.checkSize(rawBody);
    const signature = await this.verifier.verifyAllowingRefresh(headers, rawBody);
    return this.decode(signature, body === undefined ? parseJson(rawBody) : body);
  }

  /** Same checks without the unknown-serial refresh, for callers that cannot await. */
  parseSync(headers: HeaderSource, rawBody: Buffer): VerifiedNotification {
    this.checkSize(rawBody);
    return this.decode(this.verifier.verify(headers, rawBody), parseJson(rawBody));
  }

  private checkSize(rawBody: Buffer): void {
    if (rawBody.length > this.maxBodyBytes) {
      throw new WechatPayVerificationError(
        VerificationFailure.BODY_TOO_LARGE,
        'notification body too large',
        {
          bytes: rawBody.length,
          limit: this.maxBodyBytes,
        },
      );
    }
  }

  private decode(signature: VerifiedSignature, body: unknown): VerifiedNotification {
    const envelope = envelopeOf(body);
    const plaintext = decryptResource(envelope.resource, this.key);
    let resource: unknown;
    try {
      resource = JSON.parse(plaintext.toString('utf8'));
    } catch {
      throw new WechatPayVerificationError(
        VerificationFailure.BAD_RESOURCE,
        'decrypted resource is not JSON',
      );
    }
    const meta: NotificationMeta = {
      id: envelope.id,
      createTime: envelope.create_time,
      eventType: envelope.event_type,
      summary: envelope.summary,
      originalType: envelope.resource.original_type,
      serial: signature.serial,
      keyKind: signature.keyKind,
      timestamp: signature.timestamp,
      nonce: signature.nonce,
    };
    const notification = classify(meta, resource);
    this.checkMerchant(notification);
    return notification;
  }

  private checkMerchant(n: VerifiedNotification): void {
    const { expectedMchid, expectedAppid } = this.options;
    let mchid: string | undefined;
    let appid: string | undefined;
    if (n.kind === 'transaction') ({ mchid, appid } = n.transaction);
    else if (n.kind === 'contract') ({ mchid, appid } = n.contract);
    else if (n.kind === 'refund') mchid = n.refund.mchid;
    else return;
    if ((expectedMchid && mchid !== expectedMchid) || (expectedAppid && appid && appid !== expectedAppid)) {
      throw new WechatPayVerificationError(
        VerificationFailure.MERCHANT_MISMATCH,
        'resource names another merchant',
      );
    }
  }
}

function parseJson(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new WechatPayVerificationError(VerificationFailure.NOT_JSON, 'notification body is not JSON');
  }
}

function envelopeOf(json: unknown): NotificationEnvelope {
  const parsed = notificationEnvelopeSchema.safeParse(json);
  if (!parsed.success) {
    throw new WechatPayVerificationError(VerificationFailure.BAD_ENVELOPE, 'not a notification envelope', {
      fields: issuePaths(parsed.error),
    });
  }
  return parsed.data;
}

function classify(meta: NotificationMeta, resource: unknown): VerifiedNotification {
  const type = meta.eventType;
  if (type === 'TRANSACTION.SUCCESS' || type === 'TRANSACTION.FAIL') {
    return { kind: 'transaction', eventType: type, meta, transaction: shaped(transactionSchema, resource) };
  }
  if (type === 'REFUND.SUCCESS' || type === 'REFUND.ABNORMAL' || type === 'REFUND.CLOSED') {
    return { kind: 'refund', eventType: type, meta, refund: shaped(refundNoticeSchema, resource) };
  }
  if (type === 'ENTRUST.SIGN' || type === 'ENTRUST.TERMINATE') {
    return { kind: 'contract', eventType: type, meta, contract: shaped(papayContractSchema, resource) };
  }
  return { kind: 'unrecognized', eventType: type, meta, resource };
}

function shaped<S extends z.ZodType>(schema: S, resource: unknown): z.output<S> {
  const parsed = schema.safeParse(resource);
  if (!parsed.success) {
    throw new WechatPayVerificationError(
      VerificationFailure.BAD_RESOURCE,
      'resource has an unexpected shape',
      {
        fields: issuePaths(parsed.error),
      },
    );
  }
  return parsed.data;
}

function issuePaths(error: z.ZodError): string {
  return error.issues
    .map((i) => i.path.join('.') || '(root)')
    .slice(0, 5)
    .join(',');
}
