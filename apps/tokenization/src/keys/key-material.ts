import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { randomKey } from '../crypto/vault-crypto';
import { KeyMaterialError } from './key-errors';
import { AUDIT_KEY_NAME, fingerprintKeyName, KeyRing, kekName } from './key-ring';
import {
  combineShares,
  formatShareFile,
  parseEnvShare,
  parseShareFile,
  SHARE_INDEXES,
  shareEnvVar,
  shareFileName,
  splitNewKey,
  type KeyShare,
  type ShareIndex,
} from './key-share';

export interface KeyMaterialOptions {
  dir: string;
  kekVersions: readonly number[];
  currentKekVersion: number;
  /** Every fingerprint key version to load (old ones while FingerprintRotation moves their fingerprints). */
  fingerprintVersions: readonly number[];
  currentFingerprintVersion: number;
  /** Development: create both shares of a key that has neither. Never creates one half of an existing key. */
  devGenerate: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface LoadedKeyMaterial {
  ring: KeyRing;
  /** Share files written by this start (development only), to print. */
  generated: string[];
  /** Non-fatal findings, e.g. share files readable by other users. */
  warnings: string[];
}

type Found =
  { kind: 'share'; share: KeyShare } | { kind: 'absent'; looked: string } | { kind: 'bad'; problem: string };

function findShare(opts: KeyMaterialOptions, keyName: string, index: ShareIndex, warnings: string[]): Found {
  const env = opts.env ?? process.env;
  const variable = shareEnvVar(keyName, index);
  const fromEnv = env[variable];
  if (fromEnv) {
    const share = parseEnvShare(keyName, index, variable, fromEnv);
    return typeof share === 'string' ? { kind: 'bad', problem: share } : { kind: 'share', share };
  }
  const path = join(resolve(opts.dir), shareFileName(keyName, index));
  if (!existsSync(path)) return { kind: 'absent', looked: `file ${path} or environment ${variable}` };
  if ((statSync(path).mode & 0o077) !== 0) warnings.push(`${path} is readable by other users; chmod 600 it`);
  const share = parseShareFile(keyName, index, path, readFileSync(path, 'utf8'));
  return typeof share === 'string' ? { kind: 'bad', problem: share } : { kind: 'share', share };
}

function writeNewShares(dir: string, keyName: string): string[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const shares = splitNewKey(randomKey);
  const paths = SHARE_INDEXES.map((index) => {
    const path = join(dir, shareFileName(keyName, index));
    // 'wx': never overwrite a share that appeared meanwhile (another process generating the same key).
    writeFileSync(path, formatShareFile(keyName, index, shares[index - 1]!), { mode: 0o600, flag: 'wx' });
    return path;
  });
  shares.forEach((s) => s.fill(0));
  return paths;
}

/**
 * Loads every configured KEK version, fingerprint key version and the audit key from their two shares each (environment variable
 * first, then the share file in the key directory). All problems are collected and reported together, each
 * naming the key and share but never a value. In development mode, a key with neither share is generated.
 */
export function loadKeyMaterial(opts: KeyMaterialOptions): LoadedKeyMaterial {
  const dir = resolve(opts.dir);
  const problems: string[] = [];
  const warnings: string[] = [];
  const generated: string[] = [];
  const keys = new Map<string, Buffer>();
  const names = [
    ...opts.kekVersions.map(kekName),
    ...opts.fingerprintVersions.map(fingerprintKeyName),
    AUDIT_KEY_NAME,
  ];

  for (const name of names) {
    let found = SHARE_INDEXES.map((i) => findShare(opts, name, i, warnings));
    if (opts.devGenerate && found.every((f) => f.kind === 'absent')) {
      generated.push(...writeNewShares(dir, name));
      found = SHARE_INDEXES.map((i) => findShare(opts, name, i, warnings));
    }
    const shares: KeyShare[] = [];
    found.forEach((f, i) => {
      if (f.kind === 'share') shares.push(f.share);
      else if (f.kind === 'bad') problems.push(f.problem);
      else
        problems.push(
          `${name} share ${i + 1} is missing (looked for ${f.looked}); both custodians' shares are required`,
        );
    });
    if (shares.length === 2) {
      const key = combineShares(name, shares[0]!, shares[1]!);
      if (typeof key === 'string') problems.push(key);
      else keys.set(name, key);
    }
    shares.forEach((s) => s.value.fill(0));
  }

  if (problems.length) {
    keys.forEach((k) => k.fill(0));
    throw new KeyMaterialError(problems);
  }
  const keks = new Map(opts.kekVersions.map((v) => [v, keys.get(kekName(v))!]));
  const fingerprintKeys = new Map(opts.fingerprintVersions.map((v) => [v, keys.get(fingerprintKeyName(v))!]));
  const auditKey = keys.get(AUDIT_KEY_NAME)!;
  const ring = new KeyRing(
    keks,
    opts.currentKekVersion,
    fingerprintKeys,
    opts.currentFingerprintVersion,
    auditKey,
  );
  fingerprintKeys.forEach((k) => k.fill(0));
  auditKey.fill(0);
  return { ring, generated, warnings };
}
