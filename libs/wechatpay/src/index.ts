// Errors
export {
  VerificationFailure,
  WechatPayVerificationError,
  isVerificationError,
} from './errors/verification-error';
export {
  TransportFailure,
  WechatPayApiError,
  WechatPayConfigError,
  WechatPayTransportError,
  type WechatPayErrorBody,
} from './errors/api-error';

// Keys and crypto primitives
export { ApiV3Key } from './crypto/apiv3-key';
export {
  AEAD_AES_256_GCM,
  decryptResource,
  encryptResource,
  resourceNonce,
  type EncryptedResource,
} from './crypto/aead-aes-256-gcm';
export { signatureNonce } from './crypto/nonce';
export {
  MAX_SENSITIVE_FIELD_BYTES,
  decryptSensitiveField,
  encryptSensitiveField,
  sensitiveFieldCipher,
  type SensitiveFieldCipher,
} from './crypto/sensitive-field';

// Signing (ours) and WeChat's signatures (verify; produce for simulators and tests)
export { requestSignMessage, responseSignMessage } from './signing/messages';
export {
  AUTH_SCHEME,
  formatAuthorization,
  parseAuthorization,
  type AuthorizationParams,
  type ParsedAuthorization,
} from './signing/authorization-header';
export {
  MerchantSigner,
  type JsapiInvokeParams,
  type MerchantCredentials,
  type SignedRequest,
} from './signing/merchant-signer';
export {
  SIGNATURE_TYPE_RSA,
  SIGNTEST_PREFIX,
  signAsWechatPay,
  type WechatPaySignatureHeaders,
} from './signing/platform-signature';
export { systemClock, unixSeconds, type Clock } from './verification/clock';
export { readHeader, type HeaderSource } from './verification/headers';
export {
  PUBLIC_KEY_ID_PREFIX,
  WechatPayKeyStore,
  isPublicKeyId,
  normalizeSerial,
  type VerificationKey,
  type VerificationKeyKind,
} from './verification/key-store';
export {
  DEFAULT_MAX_SKEW_SECONDS,
  WechatPaySignatureVerifier,
  type SignatureVerifierOptions,
  type UnknownSerialHook,
  type VerifiedSignature,
} from './verification/signature-verifier';

// Notifications (the webhook's API)
export {
  DEFAULT_MAX_NOTIFICATION_BYTES,
  WechatPayNotificationParser,
  type NotificationParserOptions,
} from './notifications/notification-parser';
export { notificationEnvelopeSchema, type NotificationEnvelope } from './notifications/envelope';
export type {
  ContractEventType,
  NotificationMeta,
  RefundEventType,
  TransactionEventType,
  VerifiedNotification,
} from './notifications/verified-notification';

// Wire models
export { CURRENCY_CNY, assertFen, fenSchema } from './models/money';
export {
  TRADE_STATES,
  TRADE_TYPES,
  transactionSchema,
  type TradeState,
  type TradeType,
  type Transaction,
} from './models/transaction';
export {
  REFUND_STATUSES,
  refundNoticeSchema,
  refundSchema,
  type Refund,
  type RefundNotice,
  type RefundStatus,
} from './models/refund';
export {
  CONTRACT_STATES,
  SCHEDULE_STATES,
  deductScheduleSchema,
  deductionAcceptedSchema,
  papayContractSchema,
  preEntrustSignResultSchema,
  type ContractState,
  type DeductSchedule,
  type DeductionAccepted,
  type PapayContract,
  type PreEntrustSignResult,
  type ScheduleState,
} from './models/papay';
export { certificateListSchema, encryptedResourceSchema, type CertificateList } from './models/certificates';
export { errorBodySchema } from './models/error-body';

// Client
export { WechatPayClient, type WechatPayClientOptions } from './client/wechatpay-client';
export {
  WECHATPAY_API_BASE_URL,
  WechatPayHttp,
  pathSegment,
  type HttpMethod,
  type RawResponse,
  type WechatPayHttpOptions,
  type WechatPayRequest,
} from './client/wechatpay-http';
export { type RetryMode } from './client/retry-policy';
export { type CallOptions } from './client/merchant-context';
export {
  PaymentsApi,
  type JsapiOrderRequest,
  type LimitPay,
  type OrderRequest,
  type PayerIdentity,
} from './client/payments-api';
export { RefundsApi, type RefundRequest } from './client/refunds-api';
export {
  PapayApi,
  type DeductionRequest,
  type PreDeductionNoticeRequest,
  type PreEntrustSignRequest,
  type SignScene,
} from './client/papay-api';

// Platform certificates
export { downloadPlatformCertificates, type PlatformCertificate } from './certificates/certificate-download';
export {
  PlatformCertificateRefresher,
  type CertificateRefresherOptions,
  type RefreshResult,
} from './certificates/certificate-refresher';

// Dev and test support (the simulator's certificates, test fixtures). Not for production keys.
export {
  createSelfSignedCertificate,
  randomCertificateSerial,
  type SelfSignedCertificate,
  type SelfSignedCertificateOptions,
} from './dev/self-signed-certificate';

// Merchant settings from the environment (shared by the services that call WeChat Pay)
export {
  createWechatPayClientFromEnv,
  wechatPayMerchantEnvProblems,
  wechatPayMerchantEnvShape,
  wechatPayDevSwitches,
  withWechatPayDevBundle,
  WechatPayKeyFileError,
  type WechatPayMerchantEnv,
} from './config/merchant-env';
