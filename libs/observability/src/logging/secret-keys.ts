/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/**
 * Field names whose values are never logged, compared after `normaliseKey` (so `card_no`, `cardNo` and
 * `Card-No` are one name). Card data, WeChat Pay / UnionPay credentials and the vault's key material.
 */
const SECRET_KEY_NAMES: readonly string[] = [
  'pan',
  'cardnumber',
  'cardno',
  'cardnum',
  'accountnumber',
  'primaryaccountnumber',
  'cvn',
  'cvn2',
  'cvv',
  'cvv2',
  'cvc',
  'cvc2',
  'pin',
  'pinblock',
  'track2',
  'track2data',
  'apiv3key',
  'privatekey',
  'password',
  'passwd',
  'passphrase',
  'secret',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'kek',
  'dek',
  'keymaterial',
  'rawkey',
  'datakey',
  'sessionkey',
  'masterkey',
  'mackey',
  'pinkey',
  'sm4key',
  'encryptionkey',
  'signingkey',
  'accesstoken',
  'refreshtoken',
  // TypeORM's QueryFailedError carries the failed statement's bind values: whatever a query held (a ciphertext, a
  // notification's facts) must not reach the logs because an insert failed.
  'parameters',
];

/** Any name ending in one of these is secret too (`merchantPrivateKey`, `dbPassword`, `clientSecret`). */
const SECRET_KEY_SUFFIXES: readonly string[] = [
  'password',
  'passphrase',
  'secret',
  'privatekey',
  'secretkey',
  'apikey',
  'apiv3key',
];

/** `cardNo`, `card_no`, `Card-No` → `cardno`. */
export function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Decides by field name whether a value must be redacted; remembers its answers for the names it has seen. */
export class SecretKeyMatcher {
  private readonly exact: ReadonlySet<string>;
  private readonly cache = new Map<string, boolean>();
  // Log records are built from a small, fixed vocabulary of keys; the bound only guards against dynamic keys.
  private static readonly CACHE_LIMIT = 2048;

  constructor(extraKeys: readonly string[] = []) {
    this.exact = new Set([...SECRET_KEY_NAMES, ...extraKeys.map(normaliseKey)]);
  }

  isSecret(key: string): boolean {
    const known = this.cache.get(key);
    if (known !== undefined) return known;
    const name = normaliseKey(key);
    const secret = this.exact.has(name) || SECRET_KEY_SUFFIXES.some((s) => name.endsWith(s));
    if (this.cache.size < SecretKeyMatcher.CACHE_LIMIT) this.cache.set(key, secret);
    return secret;
  }
}
