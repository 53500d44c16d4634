import { readFileSync } from 'fs';
import { Topics, type TopicSpec } from '@wxpay/contracts';
import { GmCryptoError, Sm2PrivateKey, Sm2PublicKey, sm2Sign, sm2Verify } from '@wxpay/gm-crypto';
import { z } from 'zod';

/**
 * Signed events (issue 24 item 4). The ACLs decide who may write a topic; a writer who gets past them (a leaked
 * credential, a misconfigured ACL, an operator's console producer) could otherwise make a consumer move money or
 * suspend a card with content alone. So every producing service signs what it publishes with its own SM2 key, and
 * a consumer acts only on an event signed by a producer the topic table names for that topic. SM2 rather than an
 * HMAC because the key is asymmetric: a consumer holds only public keys and cannot forge what it verifies.
 *
 * The signature covers the exact bytes the consumer receives (value and key) and the topic, so a genuine event cannot
 * be replayed onto another topic, and it names its signer and key id, so keys rotate with an overlap: a producer
 * signs with its current key, consumers accept every key listed for it.
 */

/** The Kafka headers a signed event carries. */
export const SIGNATURE_HEADERS = {
  signer: 'wxpay-signer',
  keyId: 'wxpay-key-id',
  signature: 'wxpay-signature',
} as const;

/** The variables: a producer's key and its id, and the consumers' list of accepted public keys. */
export const EVENT_SIGNING_ENV = {
  keyFile: 'EVENT_SIGNING_KEY_FILE',
  keyId: 'EVENT_SIGNING_KEY_ID',
  signersFile: 'EVENT_SIGNERS_FILE',
} as const;

/** A new domain tag (…/v2) would be needed to change the canonical form; it keeps these bytes from meaning anything else. */
const DOMAIN = Buffer.from('wxpay-gateway event signature v1\0', 'utf8');

/** SM2 signatures as DER (GB/T 35276), the form other SM2 libraries (the card system's) produce by default. */
const ENCODING = 'der' as const;

const KEY_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
const SIGNER_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export type Bytes = Buffer | string;

function bytesOf(value: Bytes): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

function field(value: Bytes | null): Buffer[] {
  if (value === null) return [Buffer.from([0])];
  const bytes = bytesOf(value);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return [Buffer.from([1]), length, bytes];
}

/**
 * What is signed: the domain tag, then signer, key id, topic, message key and value, each length-prefixed (and a
 * null key told apart from an empty one), so no two different messages share a byte string.
 */
export function canonicalEventBytes(
  signer: string,
  keyId: string,
  topic: string,
  key: Bytes | null,
  value: Bytes | null,
): Buffer {
  return Buffer.concat([DOMAIN, ...[signer, keyId, topic, key, value].flatMap(field)]);
}

/** Signs what one producing service publishes, with its current key. */
export class EventSigner {
  constructor(
    readonly signer: string,
    readonly keyId: string,
    private readonly privateKey: Sm2PrivateKey,
  ) {
    if (!SIGNER_PATTERN.test(signer)) throw new Error('event signer: not a service name');
    if (!KEY_ID_PATTERN.test(keyId))
      throw new Error('event signer: key id must be 1-64 of A-Z a-z 0-9 . _ : -');
  }

  /** The headers to add to the message `value` published under `key` on `topic`. */
  sign(topic: string, key: Bytes | null, value: Bytes): Record<string, string> {
    const bytes = canonicalEventBytes(this.signer, this.keyId, topic, key, value);
    return {
      [SIGNATURE_HEADERS.signer]: this.signer,
      [SIGNATURE_HEADERS.keyId]: this.keyId,
      [SIGNATURE_HEADERS.signature]: sm2Sign(this.privateKey, bytes, { encoding: ENCODING }).toString(
        'base64',
      ),
    };
  }
}

/** Why an event was refused; the DLQ's error text starts with it. */
export type VerificationProblem =
  'unsigned' | 'unknown-signer' | 'not-a-producer' | 'unknown-key' | 'bad-signature' | 'unknown-topic';

/** An event the consumer must not act on. Its message names signer and key id, never a key or a signature. */
export class EventVerificationError extends Error {
  override readonly name = 'EventVerificationError';
  constructor(
    readonly problem: VerificationProblem,
    detail: string,
  ) {
    super(`${problem}: ${detail}`);
  }
}

/** The accepted public keys of each producer, by key id (old and new side by side during a rotation). */
export type SignerKeys = ReadonlyMap<string, ReadonlyMap<string, Sm2PublicKey>>;

/** Who may publish a topic, from the topic table; undefined for a topic that is not in it. */
export type ProducersOf = (topic: string) => readonly string[] | undefined;

/** ProducersOf from topic specs (the declared topics by default). */
export function producersOfTopics(specs: readonly Pick<TopicSpec, 'name' | 'producers'>[]): ProducersOf {
  const byName = new Map(specs.map((s) => [s.name, s.producers]));
  return (topic) => byName.get(topic);
}

/** Header text safe to put in an error: header values are whatever the writer chose. */
function shown(value: string): string {
  const clean = value.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 64)}…` : clean;
}

/** Checks that an event was signed, for its topic, by a producer of that topic with a key listed for it. */
export class EventVerifier {
  constructor(
    private readonly signers: SignerKeys,
    private readonly producersOf: ProducersOf = producersOfTopics(Object.values(Topics)),
  ) {}

  /** Throws EventVerificationError unless the message is signed as above; returns the signer. */
  verify(
    topic: string,
    key: Bytes | null,
    value: Bytes | null,
    headers: Readonly<Record<string, string | undefined>>,
  ): string {
    const signer = headers[SIGNATURE_HEADERS.signer];
    const keyId = headers[SIGNATURE_HEADERS.keyId];
    const signature = headers[SIGNATURE_HEADERS.signature];
    if (!signer || !keyId || !signature) {
      throw new EventVerificationError(
        'unsigned',
        `no ${Object.values(SIGNATURE_HEADERS).join('/')} headers`,
      );
    }
    const producers = this.producersOf(topic);
    if (producers === undefined) {
      throw new EventVerificationError('unknown-topic', `${shown(topic)} is not in the topic table`);
    }
    if (!producers.includes(signer)) {
      throw new EventVerificationError(
        'not-a-producer',
        `${shown(signer)} does not publish ${topic} (its producers: ${producers.join(', ') || 'none'})`,
      );
    }
    const keys = this.signers.get(signer);
    if (!keys) throw new EventVerificationError('unknown-signer', `no keys listed for ${shown(signer)}`);
    const publicKey = keys.get(keyId);
    if (!publicKey) {
      throw new EventVerificationError('unknown-key', `${shown(signer)} has no listed key ${shown(keyId)}`);
    }
    const bytes = canonicalEventBytes(signer, keyId, topic, key, value);
    // Node decodes base64 leniently (it stops at the first character it does not know): only the canonical
    // encoding of the signature is taken, so nothing can ride along in the header.
    const decoded = Buffer.from(signature, 'base64');
    let valid = decoded.toString('base64') === signature;
    try {
      valid &&= sm2Verify(publicKey, bytes, decoded, { encoding: ENCODING });
    } catch (e) {
      if (!(e instanceof GmCryptoError)) throw e;
      valid = false; // not even a DER signature
    }
    if (!valid) {
      throw new EventVerificationError(
        'bad-signature',
        `the signature of ${signer} (key ${keyId}) does not match this topic, key and value`,
      );
    }
    return signer;
  }
}

/**
 * Kafka header values (Buffers, strings, or arrays when a header repeats) as text. A repeated header is joined, so
 * a message carrying two signatures or two signers fails verification rather than having one of them picked.
 */
export function headerText(headers: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const text = (v: unknown): string | undefined =>
    typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const joined = Array.isArray(value) ? value.map(text).join(',') : text(value);
    if (joined !== undefined) out[name] = joined;
  }
  return out;
}

/** A configuration problem, naming the variable and what is wrong; never a key's content. */
export class EventSigningConfigError extends Error {
  override readonly name = 'EventSigningConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`event signing configuration: ${problems.join('; ')}`);
  }
}

function readConfigFile(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new EventSigningConfigError([`${variable}: cannot read the file (${code})`]);
  }
}

/** A private key as PKCS#8 PEM ("BEGIN PRIVATE KEY", e.g. `openssl genpkey -algorithm SM2`) or 64 hex digits. */
export function parseSigningKey(text: string): Sm2PrivateKey {
  const trimmed = text.trim();
  return trimmed.startsWith('-----BEGIN') ? Sm2PrivateKey.fromPem(trimmed) : Sm2PrivateKey.fromHex(trimmed);
}

/** A public key as SPKI PEM ("BEGIN PUBLIC KEY") or SEC1 hex (04‖x‖y, or compressed 02/03‖x). */
export function parsePublicKey(text: string): Sm2PublicKey {
  const trimmed = text.trim();
  return trimmed.startsWith('-----BEGIN') ? Sm2PublicKey.fromPem(trimmed) : Sm2PublicKey.fromHex(trimmed);
}

/**
 * The signer of a producing service from EVENT_SIGNING_KEY_FILE and EVENT_SIGNING_KEY_ID; undefined when neither is
 * set (whether that is allowed is the caller's rule: see requiresEventSigning).
 */
export function eventSignerFromEnv(
  service: string,
  env: NodeJS.ProcessEnv = process.env,
): EventSigner | undefined {
  const file = env[EVENT_SIGNING_ENV.keyFile] || undefined;
  const keyId = env[EVENT_SIGNING_ENV.keyId] || undefined;
  if (!file && !keyId) return undefined;
  const problems: string[] = [];
  if (!file) problems.push(`${EVENT_SIGNING_ENV.keyFile}: required with ${EVENT_SIGNING_ENV.keyId}`);
  if (!keyId) problems.push(`${EVENT_SIGNING_ENV.keyId}: required with ${EVENT_SIGNING_ENV.keyFile}`);
  else if (!KEY_ID_PATTERN.test(keyId)) {
    problems.push(`${EVENT_SIGNING_ENV.keyId}: must be 1-64 of A-Z a-z 0-9 . _ : -`);
  }
  if (!SIGNER_PATTERN.test(service)) problems.push(`service name ${shown(service)} cannot sign events`);
  if (problems.length) throw new EventSigningConfigError(problems);
  let key: Sm2PrivateKey;
  try {
    key = parseSigningKey(readConfigFile(EVENT_SIGNING_ENV.keyFile, file!));
  } catch (e) {
    if (e instanceof EventSigningConfigError) throw e;
    throw new EventSigningConfigError([
      `${EVENT_SIGNING_ENV.keyFile}: not an SM2 private key (PKCS#8 PEM or 64 hex digits)`,
    ]);
  }
  return new EventSigner(service, keyId!, key);
}

const signersFileSchema = z.record(
  z.string().regex(SIGNER_PATTERN, 'must be a service name'),
  z
    .array(
      z
        .object({
          keyId: z.string().regex(KEY_ID_PATTERN, 'must be 1-64 of A-Z a-z 0-9 . _ : -'),
          publicKey: z.string().min(1),
        })
        .strict(),
    )
    .min(1, 'must list at least one key'),
);

/** The signers file: `{ "<producer>": [{ "keyId": "…", "publicKey": "<SPKI PEM or SEC1 hex>" }, …], … }`. */
export function parseSignersFile(text: string, variable = EVENT_SIGNING_ENV.signersFile): SignerKeys {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EventSigningConfigError([`${variable}: not JSON`]);
  }
  const parsed = signersFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new EventSigningConfigError(
      parsed.error.issues.map((i) => `${variable}: ${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const problems: string[] = [];
  const signers = new Map<string, Map<string, Sm2PublicKey>>();
  for (const [producer, keys] of Object.entries(parsed.data)) {
    const byId = new Map<string, Sm2PublicKey>();
    const seen = new Set<string>();
    keys.forEach((k, i) => {
      if (seen.has(k.keyId)) problems.push(`${variable}: ${producer}.${i}.keyId: ${k.keyId} is listed twice`);
      seen.add(k.keyId);
      try {
        byId.set(k.keyId, parsePublicKey(k.publicKey));
      } catch {
        problems.push(
          `${variable}: ${producer}.${i}.publicKey: not an SM2 public key (SPKI PEM or SEC1 hex)`,
        );
      }
    });
    signers.set(producer, byId);
  }
  if (problems.length) throw new EventSigningConfigError(problems);
  return signers;
}

/**
 * The verifier of a consuming service from EVENT_SIGNERS_FILE, which is required: there is no way to consume
 * without verifying. `producersOf` defaults to the topic table (tests map their own topics' names).
 */
export function eventVerifierFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  producersOf?: ProducersOf,
): EventVerifier {
  const file = env[EVENT_SIGNING_ENV.signersFile] || undefined;
  if (!file) {
    throw new EventSigningConfigError([
      `${EVENT_SIGNING_ENV.signersFile}: required by a service that consumes events (the producers' public keys)`,
    ]);
  }
  return new EventVerifier(
    parseSignersFile(readConfigFile(EVENT_SIGNING_ENV.signersFile, file)),
    producersOf,
  );
}

/** Whether `service` publishes a topic that some service consumes (its events are verified, so it must sign). */
export function requiresEventSigning(
  service: string,
  specs: readonly Pick<TopicSpec, 'producers' | 'consumers'>[] = Object.values(Topics),
): boolean {
  return specs.some((t) => t.producers.includes(service) && t.consumers.length > 0);
}

/**
 * For the consumers: why a received message must not be acted on, or undefined when it is signed as required. The
 * refusal is dead-lettered by position, never under the event id the message claims: a forger could otherwise pick
 * the id of a genuine event still to come and have the inbox skip it as already seen.
 */
export function verificationRefusal(
  verifier: EventVerifier,
  topic: string,
  message: { key: Bytes | null; value: Bytes | null; headers?: Readonly<Record<string, unknown>> },
): string | undefined {
  try {
    verifier.verify(topic, message.key, message.value, headerText(message.headers));
    return undefined;
  } catch (e) {
    if (e instanceof EventVerificationError) return e.message;
    throw e;
  }
}
