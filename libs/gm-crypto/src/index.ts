// Public surface of @wxpay/gm-crypto: Chinese national algorithms (SM2/SM3/SM4) with standard-conforming
// defaults. Buffers in, Buffers out; every deliberate failure is a GmCryptoError with a stable code.
export { GmCryptoError, type GmCryptoErrorCode } from './errors/gm-crypto-error';

export { SM3_DIGEST_LENGTH, createHmacSm3, createSm3, hmacSm3, sm3, type Sm3Stream } from './sm3/sm3';

export { SM4_BLOCK_LENGTH, SM4_KEY_LENGTH, type Sm4Padding } from './sm4/sm4-params';
export {
  sm4DecryptCbc,
  sm4DecryptEcb,
  sm4EncryptCbc,
  sm4EncryptEcb,
  type Sm4CbcOptions,
  type Sm4EcbOptions,
} from './sm4/sm4-ecb-cbc';
export { sm4Ctr, type Sm4CtrOptions } from './sm4/sm4-ctr';
export {
  SM4_GCM_IV_LENGTH,
  SM4_GCM_TAG_LENGTH,
  sm4GcmDecrypt,
  sm4GcmEncrypt,
  type Sm4GcmDecryptOptions,
  type Sm4GcmOptions,
  type Sm4GcmSealed,
} from './sm4/sm4-gcm';
export { Sm4BlockCipher } from './sm4/sm4-block-cipher';

export type { MacPadding } from './mac/block-mac';
export {
  SM4_RETAIL_MAC_KEY_LENGTH,
  sm4CbcMac,
  sm4KeyCheckValue,
  sm4RetailMac,
  type Sm4KeyCheckValueOptions,
  type Sm4MacOptions,
} from './mac/sm4-mac';

export { Sm2PrivateKey, Sm2PublicKey, type Sm2PublicKeyBytesOptions } from './sm2/keys';
export { SM2_DEFAULT_USER_ID } from './sm2/za';
export type { Sm2SignatureEncoding } from './sm2/signature-encoding';
export { sm2Sign, sm2Verify, type Sm2SignOptions } from './sm2/sign';
export { sm2Decrypt, sm2Encrypt, type Sm2CipherMode, type Sm2EncryptOptions } from './sm2/encrypt';
