// Public surface of @wxpay/unionpay: the CUPS-style ISO 8583 profile of docs/unionpay-profile.md (codec, MAC,
// keys, field encryption, SM2 sign-on) and the channel client with write-ahead reversals.
export {
  ChannelUnavailableError,
  UnionPayCodecError,
  UnionPayConfigError,
  UnionPayRequestError,
  UnionPaySecurityError,
  type CodecErrorCode,
  type SecurityErrorCode,
} from './errors/unionpay-errors';

// Codec
export { IsoMessage, type FieldValue } from './codec/iso-message';
export {
  definedFields,
  fieldSpec,
  type FieldCharset,
  type FieldLengthKind,
  type FieldSpec,
} from './codec/field-specs';
export { decodeBitmap, encodeBitmap } from './codec/bitmap';
export {
  CUPS_HEADER_LENGTH,
  HEADER_FLAG_VERSION,
  NO_REJECT,
  cupsHeader,
  decodeHeader,
  encodeHeader,
  type CupsHeader,
} from './codec/cups-header';
export { FrameReader, FRAME_PREFIX_LENGTH, MAX_MESSAGE_LENGTH } from './codec/framing';
export {
  decodeBody,
  decodeFrame,
  encodeBody,
  encodeFrame,
  frameOf,
  rejectCodeFor,
  type DecodedFrame,
} from './codec/message-codec';

// Profile
export {
  Mti,
  NetworkCode,
  POS_ENTRY_MODE_CNP,
  ReversalReason,
  TRANSACTION_TYPES,
  isResponseMti,
  responseMtiOf,
  transactionKindOf,
  type MtiValue,
  type ReversalReasonCode,
  type TransactionKind,
  type TransactionType,
} from './profile/message-types';
export {
  ResponseCode,
  responseCodeInfo,
  settlesReversal,
  type ResponseClass,
  type ResponseCodeInfo,
} from './profile/response-codes';
export {
  beijingDate,
  beijingYearMonth,
  localTime,
  monthDay,
  transmissionDateTime,
} from './profile/beijing-time';
export { decodeOriginalData, encodeOriginalData, type OriginalDataElements } from './profile/original-data';
export { amountField, currencyAlpha, currencyNumeric } from './profile/currency';
export {
  financialRequest,
  networkRequest,
  responseTo,
  reversalAdvice,
  type FinancialRequestParts,
  type NetworkRequestParts,
  type Originator,
  type ResponseParts,
  type ReversalParts,
  type Trace,
} from './profile/messages';

// Security
export {
  MAC_FIELD,
  MAC_LENGTH,
  applyMac,
  buildMacBlock,
  computeMac,
  sm4MacOfBlock,
  verifyMac,
} from './security/mac';
export { keyGenerationOf, nextGeneration, securityControl } from './security/security-control';
export {
  ECHO_KEY_TAG,
  KEY_BLOCK_TAG,
  decodeKeyBlock,
  encodeKeyBlock,
  generateWorkingKeys,
  keyCheckValue,
  type WorkingKeys,
} from './security/working-keys';
export {
  decryptSensitiveData,
  encryptSensitiveData,
  type SensitiveCardData,
} from './security/sensitive-data';
export {
  NO_KEYS_KCV,
  SIGN_ON_TAG,
  newNonce,
  signOnRequestField,
  signOnResponseField,
  verifySignOnRequest,
  verifySignOnResponse,
  type SignOnContext,
} from './security/sign-on';
export { SignOnReplayGuard } from './security/sign-on-replay';
export { requireExpiry, requirePan } from './security/pan';

// Client
export { FrameWriter } from './client/frame-writer';
export { UnionPayClient, type ChannelStats } from './client/unionpay-client';
export type {
  ChannelKeys,
  ChannelTls,
  ReversalSchedule,
  UnionPayClientOptions,
} from './client/channel-options';
export type {
  ApprovedResult,
  CardTransactionRequest,
  ChannelResult,
  DeclinedResult,
  FollowUpRequest,
  IgnoredAnswer,
  ReversalResult,
  TimedOutResult,
  TransactionReference,
} from './client/results';
export {
  acquirerBundleSchema,
  loadAcquirerBundle,
  parseAcquirerBundle,
  type AcquirerBundle,
  type LoadedAcquirerBundle,
} from './client/acquirer-bundle';

export {
  channelTlsFiles,
  createUnionPayClientFromEnv,
  unionPayChannelEnvShape,
  type UnionPayChannelEnv,
} from './client/channel-env';

// Request log (the caller lists the migration in its own migrations)
export { UnionPayRequestLogMigration1732700000000 } from './wal/request-log.migration';
export type { RequestRecord, RequestState, ReversalState } from './wal/request-log';
export {
  UnionPayRequestLogReader,
  type LoggedRequest,
  type RequestTrace,
  type TracedRequest,
} from './wal/request-log-reader';
