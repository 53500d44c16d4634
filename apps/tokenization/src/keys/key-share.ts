import { KEY_LENGTH, keyCheckValue } from '../crypto/vault-crypto';

/**
 * Dual control (PCI DSS 3.6.1.2, 3.7.6): each vault key exists only as two shares held by two custodians,
 * key = share1 XOR share2. Either share alone is a uniformly random string and tells nothing about the key.
 * Each share travels with its key check value, so a mistyped, corrupted or swapped share is detected and
 * named at start without the share ever being shown.
 */
export type ShareIndex = 1 | 2;
export const SHARE_INDEXES: readonly ShareIndex[] = [1, 2];

export interface KeyShare {
  keyName: string;
  index: ShareIndex;
  value: Buffer;
  /** Where it came from, for messages: `file <path>` or `environment <VAR>`. */
  source: string;
}

const HEX_KEY = new RegExp(`^[0-9a-fA-F]{${KEY_LENGTH * 2}}$`);
const HEX_CHECK = /^[0-9a-fA-F]{6}$/;

/** The environment variable that may carry a share instead of a file, e.g. TOKENIZATION_KEK_V2_SHARE1. */
export function shareEnvVar(keyName: string, index: ShareIndex): string {
  return `TOKENIZATION_${keyName.toUpperCase().replace(/-/g, '_')}_SHARE${index}`;
}

export function shareFileName(keyName: string, index: ShareIndex): string {
  return `${keyName}.share${index}`;
}

/** Checks a share's value against its check value; returns a problem (naming the share only) or the bytes. */
export function decodeShare(
  keyName: string,
  index: ShareIndex,
  source: string,
  valueHex: string,
  checkHex: string,
): KeyShare | string {
  const what = `${keyName} share ${index} (${source})`;
  if (!HEX_KEY.test(valueHex)) return `${what}: the value must be ${KEY_LENGTH * 2} hex digits`;
  if (!HEX_CHECK.test(checkHex)) return `${what}: the check value must be 6 hex digits`;
  const value = Buffer.from(valueHex, 'hex');
  if (keyCheckValue(value) !== checkHex.toUpperCase()) {
    value.fill(0);
    return `${what} does not match its check value: the share is mistyped, corrupted or not this key's`;
  }
  return { keyName, index, value, source };
}

/** `<value hex>:<check hex>`, the form the environment variables take. */
export function parseEnvShare(
  keyName: string,
  index: ShareIndex,
  variable: string,
  raw: string,
): KeyShare | string {
  const [valueHex = '', checkHex = '', ...rest] = raw.trim().split(':');
  if (rest.length)
    return `${keyName} share ${index} (environment ${variable}) must be <value hex>:<check hex>`;
  return decodeShare(keyName, index, `environment ${variable}`, valueHex, checkHex);
}

/**
 * A share file: comment lines, then `key=`, `share=`, `value=`, `check=`. The key name and share number inside
 * the file must be the expected ones, which catches a custodian handing over the wrong file.
 */
export function parseShareFile(
  keyName: string,
  index: ShareIndex,
  path: string,
  text: string,
): KeyShare | string {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq < 0)
      return `${keyName} share ${index} (file ${path}): every line must be name=value or a # comment`;
    fields.set(trimmed.slice(0, eq).trim(), trimmed.slice(eq + 1).trim());
  }
  const source = `file ${path}`;
  if (fields.get('key') !== keyName || fields.get('share') !== String(index)) {
    return `${keyName} share ${index} (${source}) holds ${fields.get('key') ?? '?'} share ${fields.get('share') ?? '?'}`;
  }
  return decodeShare(keyName, index, source, fields.get('value') ?? '', fields.get('check') ?? '');
}

export function formatShareFile(keyName: string, index: ShareIndex, value: Buffer): string {
  const other = index === 1 ? 2 : 1;
  return [
    `# wxpay-gateway tokenization vault: key share ${index} of 2 for ${keyName}.`,
    `# Custodian ${index} keeps it apart from share ${other}: the vault needs both to start; neither reveals the key.`,
    `# Never commit this file. The check value lets the vault name a wrong share without showing it.`,
    `key=${keyName}`,
    `share=${index}`,
    `value=${value.toString('hex')}`,
    `check=${keyCheckValue(value)}`,
    '',
  ].join('\n');
}

/** key = share1 XOR share2. Identical shares would make an all-zero key: refused. */
export function combineShares(keyName: string, first: KeyShare, second: KeyShare): Buffer | string {
  const key = Buffer.alloc(KEY_LENGTH);
  for (let i = 0; i < KEY_LENGTH; i++) key[i] = first.value[i]! ^ second.value[i]!;
  if (key.every((b) => b === 0))
    return `${keyName}: its two shares are identical (the key would be all zeros)`;
  return key;
}

/** Two fresh shares of a fresh random key (development only). */
export function splitNewKey(random: () => Buffer): [Buffer, Buffer] {
  const key = random();
  const first = random();
  const second = Buffer.alloc(KEY_LENGTH);
  for (let i = 0; i < KEY_LENGTH; i++) second[i] = key[i]! ^ first[i]!;
  key.fill(0);
  return [first, second];
}
