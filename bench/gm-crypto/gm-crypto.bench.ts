// @wxpay/gm-crypto next to sm-crypto 0.5.8 (and raw OpenSSL where that is the ceiling), same inputs, one run.
// Run: npm run bench -- gm-crypto   (about 40 s on the 2-core dev box)
import { createCipheriv, createECDH, randomBytes } from 'node:crypto';
import { sm2 as ref, sm3 as refSm3, sm4 as refSm4 } from 'sm-crypto';
import {
  Sm2PrivateKey,
  Sm2PublicKey,
  sm2Decrypt,
  sm2Encrypt,
  sm2Sign,
  sm2Verify,
  sm3,
  sm4EncryptCbc,
  sm4GcmEncrypt,
} from '@wxpay/gm-crypto';

const SHORT_MS = Number(process.env.BENCH_MS ?? 1500);

/** Calls fn in growing batches until `ms` have passed (after a short warm-up); returns calls per second. */
function rate(fn: () => unknown, ms: number): number {
  const warmUntil = performance.now() + Math.min(200, ms / 4);
  while (performance.now() < warmUntil) fn();
  let calls = 0;
  let batch = 1;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) fn();
    calls += batch;
    elapsed = performance.now() - start;
    if (elapsed < ms / 10) batch *= 2;
  }
  return (calls * 1000) / elapsed;
}

/**
 * The box is shared, so load shifts during a run. Candidates are measured in alternating rounds and each keeps
 * its best round: a burst of foreign load then hurts both sides alike instead of skewing the ratio.
 */
const ROUNDS = 3;
function compare(fns: Array<() => unknown>, ms = SHORT_MS): number[] {
  const best = fns.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    fns.forEach((fn, i) => (best[i] = Math.max(best[i], rate(fn, ms / ROUNDS))));
  }
  return best;
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`benchmark self-check failed: ${what}`);
}

interface Row {
  operation: string;
  ours: number;
  theirs?: number;
  unit: string;
  note?: string;
}
const rows: Row[] = [];

// ---------- SM2 ----------
const key = Sm2PrivateKey.generate();
const pubHex = key.publicKey.toHex();
const privHex = key.toHex();
const message = Buffer.from(sm3(Buffer.from('bench message')).toString('hex'), 'ascii'); // UnionPay signs hex(SM3(S))
const messageArray = Array.from(message);

const ourSig = sm2Sign(key, message, { encoding: 'raw' });
const theirSig = ref.doSignature(messageArray, privHex, { hash: true, publicKey: pubHex });
check(
  ref.doVerifySignature(messageArray, ourSig.toString('hex'), pubHex, { hash: true }),
  'sm-crypto verifies ours',
);
check(
  sm2Verify(key.publicKey, message, Buffer.from(theirSig, 'hex'), { encoding: 'raw' }),
  'we verify sm-crypto',
);

function pushPair(
  operation: string,
  ours: () => unknown,
  theirs: () => unknown,
  unit = 'ops/s',
  ms = SHORT_MS,
) {
  const [a, b] = compare([ours, theirs], ms);
  rows.push({ operation, ours: a, theirs: b, unit });
}

pushPair(
  'SM2 sign (Z_A + SM3, 64 B msg)',
  () => sm2Sign(key, message, { encoding: 'raw' }),
  () => ref.doSignature(messageArray, privHex, { hash: true, publicKey: pubHex }),
);

const peer = Sm2PublicKey.fromHex(pubHex);
pushPair(
  'SM2 verify (same peer key, cached)',
  () => sm2Verify(peer, message, ourSig, { encoding: 'raw' }),
  () => ref.doVerifySignature(messageArray, theirSig, pubHex, { hash: true }),
);

// 64 distinct keys cycled through a 32-entry cache: every verification takes the uncached path.
const pool = Array.from({ length: 64 }, () => {
  const k = Sm2PrivateKey.generate();
  return { pub: k.publicKey, hex: k.publicKey.toHex(), sig: sm2Sign(k, message, { encoding: 'raw' }) };
});
let next = 0;
pushPair(
  'SM2 verify (new key every call)',
  () => {
    const p = pool[next++ % pool.length];
    return sm2Verify(Sm2PublicKey.fromBytes(p.pub.toBytes()), message, p.sig, { encoding: 'raw' });
  },
  () => {
    const p = pool[next++ % pool.length];
    return ref.doVerifySignature(messageArray, p.sig.toString('hex'), p.hex, { hash: true });
  },
);

const secret = randomBytes(32);
const ct = sm2Encrypt(key.publicKey, secret);
const theirCt = ref.doEncrypt(Array.from(secret), pubHex, 1);
check(sm2Decrypt(key, Buffer.from('04' + theirCt, 'hex')).equals(secret), 'we decrypt sm-crypto');
pushPair(
  'SM2 encrypt 32 B (C1C3C2)',
  () => sm2Encrypt(key.publicKey, secret),
  () => ref.doEncrypt(Array.from(secret), pubHex, 1),
);
pushPair(
  'SM2 decrypt 32 B',
  () => sm2Decrypt(key, ct),
  () => ref.doDecrypt(theirCt, privHex, 1, { output: 'array' }),
);

// The route not taken, for the record: OpenSSL's constant-time ladder via Node's ECDH on the SM2 curve.
const ecdh = createECDH('SM2');
const otherPoint = Sm2PrivateKey.generate().publicKey.toBytes();
const [ladderG, ladderP] = compare(
  [() => ecdh.setPrivateKey(randomBytes(32)), () => ecdh.computeSecret(otherPoint)],
  1000,
);
rows.push({
  operation: 'OpenSSL ECDH k·G (setPrivateKey)',
  ours: ladderG,
  unit: 'ops/s',
  note: 'native route considered for signing',
});
rows.push({
  operation: 'OpenSSL ECDH x(k·P) (computeSecret)',
  ours: ladderP,
  unit: 'ops/s',
  note: 'used once per SM2 decryption',
});

// ---------- SM4 ----------
const sm4Key = randomBytes(16);
const iv = randomBytes(16);
const keyArray = Array.from(sm4Key);
const ivArray = Array.from(iv);
const pan = Buffer.from('6222021234567890123', 'ascii');
const panArray = Array.from(pan);
const cbcOpts = { mode: 'cbc' as const, iv: ivArray, padding: 'pkcs#7' as const, output: 'array' as const };
check(
  Buffer.from(refSm4.encrypt(panArray, keyArray, cbcOpts)).equals(
    sm4EncryptCbc(sm4Key, pan, { iv, padding: 'pkcs7' }),
  ),
  'SM4-CBC agrees',
);
pushPair(
  'SM4-CBC encrypt 19 B PAN (PKCS#7)',
  () => sm4EncryptCbc(sm4Key, pan, { iv, padding: 'pkcs7' }),
  () => refSm4.encrypt(panArray, keyArray, cbcOpts),
);

const MIB = 1024 * 1024;
const bulk = randomBytes(MIB);
const bulkArray = Array.from(bulk);
const nativeCbc = () => {
  const c = createCipheriv('sm4-cbc', sm4Key, iv);
  return [c.update(bulk), c.final()];
};
const [oursBulk, native, theirsBulk] = compare(
  [
    () => sm4EncryptCbc(sm4Key, bulk, { iv, padding: 'pkcs7' }),
    nativeCbc,
    () => refSm4.encrypt(bulkArray, keyArray, cbcOpts),
  ],
  2000,
);
rows.push({
  operation: 'SM4-CBC encrypt 1 MiB',
  ours: oursBulk,
  theirs: theirsBulk,
  unit: 'MiB/s',
  note: `raw native sm4-cbc ${native.toFixed(1)} MiB/s → ours at ${((oursBulk / native) * 100).toFixed(0)} %`,
});

const aad = randomBytes(16);
const gcmIv = randomBytes(12);
const [gcmPan] = compare([() => sm4GcmEncrypt(sm4Key, pan, { iv: gcmIv, aad })]);
rows.push({
  operation: 'SM4-GCM encrypt 19 B PAN + 16 B AAD',
  ours: gcmPan,
  unit: 'ops/s',
  note: 'sm-crypto 0.5.8 has no GCM',
});
const [gcmBulk] = compare([() => sm4GcmEncrypt(sm4Key, bulk, { iv: gcmIv })], 1500);
rows.push({
  operation: 'SM4-GCM encrypt 1 MiB',
  ours: gcmBulk,
  unit: 'MiB/s',
  note: 'GHASH in JS (4-bit tables) bounds this',
});

// ---------- SM3 ----------
const kb = randomBytes(1024);
const kbArray = Array.from(kb);
check(sm3(kb).toString('hex') === refSm3(kbArray), 'SM3 agrees');
pushPair(
  'SM3 1 KiB',
  () => sm3(kb),
  () => refSm3(kbArray),
);

// ---------- print ----------
const fmt = (v: number | undefined) =>
  v === undefined ? 'n/a' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1);
const header = ['operation', 'gm-crypto', 'sm-crypto', 'ratio', 'unit', 'note'];
const table = rows.map((r) => [
  r.operation,
  fmt(r.ours),
  fmt(r.theirs),
  r.theirs ? `${(r.ours / r.theirs).toFixed(1)}x` : '',
  r.unit,
  r.note ?? '',
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells: string[]) =>
  '| ' +
  cells.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') +
  ' |';
console.log(
  `node ${process.version}, OpenSSL ${process.versions.openssl}; per case ${ROUNDS} alternating rounds, best round kept`,
);
console.log(line(header));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const row of table) console.log(line(row));
