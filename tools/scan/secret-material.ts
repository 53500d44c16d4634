import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { basename, join } from 'path';

/** A secret of the development cluster, by where it lives, and the strings that would give it away if seen. */
export interface KnownSecret {
  source: string;
  needles: string[];
}

/** The body of a PEM block without its armour, in 40-character pieces (log lines and JSON escape the newlines). */
function pemNeedles(pem: string): string[] {
  const body = pem
    .split('\n')
    .filter((l) => l && !l.startsWith('-----'))
    .join('');
  const needles: string[] = [];
  for (let i = 0; i + 40 <= body.length; i += 40) needles.push(body.slice(i, i + 40));
  return needles;
}

/**
 * The values of a key-share (`value=…`) or hex key file, 16+ characters (shorter ones, like a share's check
 * value, match by chance).
 */
function lineNeedles(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => !l.startsWith('#'))
    .map((l) => (l.includes('=') ? l.slice(l.indexOf('=') + 1) : l))
    .filter((v) => v.length >= 16);
}

function needlesOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  if (text.includes('-----BEGIN')) return pemNeedles(text);
  if (file.endsWith('.json')) {
    const doc = JSON.parse(text) as Record<string, unknown>;
    return Object.entries(doc).flatMap(([k, v]) =>
      typeof v !== 'string' || !/key/i.test(k)
        ? []
        : v.includes('-----BEGIN')
          ? pemNeedles(v)
          : lineNeedles(v),
    );
  }
  return lineNeedles(text);
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * The development cluster's secrets as `npm start` keeps them in `.data`: TLS private keys, the vault's key
 * shares, the UnionPay simulator's zone, PAN-index and SM2 keys and the acquirer bundle, and the WeChat Pay
 * merchant's APIv3 key and private key. Public material (certificates, public keys) is left out.
 */
export function knownSecrets(dataDir: string): KnownSecret[] {
  const files = [
    ...filesUnder(join(dataDir, 'pki')).filter((f) => f.endsWith('.key')),
    ...filesUnder(join(dataDir, 'tokenization', 'keys')),
    ...filesUnder(join(dataDir, 'unionpay-sim', 'keys')).filter((f) => !basename(f).includes('public')),
    ...filesUnder(join(dataDir, 'wechatpay-sim', 'merchant')).filter(
      (f) => f.endsWith('.key') || f.endsWith('_key.pem'),
    ),
  ];
  return files.map((f) => ({ source: f, needles: needlesOf(f) })).filter((s) => s.needles.length > 0);
}
