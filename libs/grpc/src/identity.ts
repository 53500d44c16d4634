import { type ServerUnaryCall } from '@grpc/grpc-js';
import { TLSSocket } from 'tls';

/**
 * Who is calling, as proven by the client certificate of a mutual-TLS connection. One object is shared by all the
 * calls of a connection, hence frozen.
 */
export interface PeerIdentity {
  readonly commonName: string;
  readonly dnsNames: readonly string[];
  /**
   * The cluster service the certificate was issued to, from its `spiffe://wxpay/<service>` URI SAN (issued only by
   * the services CA); undefined for any other certificate, such as a counterparty's or a simulator's.
   */
  readonly service?: string;
  readonly fingerprint256: string;
}

/** The trust domain of service identities: a caller is `spiffe://wxpay/<service>`. */
export const TRUST_DOMAIN = 'wxpay';
const SERVICE_ID = new RegExp(`^spiffe://${TRUST_DOMAIN}/([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)$`);

export function spiffeIdOf(service: string): string {
  return `spiffe://${TRUST_DOMAIN}/${service}`;
}

/**
 * The service a certificate's subject alternative names identify (node:tls's `subjectaltname` string), or
 * undefined. Exactly one service URI is accepted: a certificate naming two services is no one's.
 */
export function serviceOfAltNames(subjectAltName: string | undefined): string | undefined {
  const services = (subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('URI:'))
    .map((s) => SERVICE_ID.exec(s.slice(4))?.[1])
    .filter((s): s is string => s !== undefined);
  return services.length === 1 ? services[0] : undefined;
}

type AuthCall = Pick<ServerUnaryCall<unknown, unknown>, 'getAuthContext'>;

/**
 * Identities already read, keyed by the HTTP/2 session object, which is one TLS connection: reading the peer
 * certificate costs tens of microseconds per call (Node builds the whole certificate object, fingerprints and
 * all), while the identity cannot change for the life of the connection (Node's HTTP/2 disables TLS
 * renegotiation, and TLS 1.3 has none). The key is the connection object itself, never something derived from
 * it such as the peer's address and port (a later connection can reuse those): a WeakMap entry belongs to exactly
 * one live connection and disappears with it, so one connection's identity can never be handed to another.
 */
const byConnection = new WeakMap<object, PeerIdentity>();

/**
 * The HTTP/2 session a call arrived on. grpc-js does not expose it publicly: this follows the same path its own
 * getAuthContext() reads (the call's stream's session), and returns undefined whenever the shape differs (another
 * grpc-js version, server interceptors, plaintext), in which case the identity is read without caching.
 */
function connectionOf(call: AuthCall): object | undefined {
  const session = (call as { call?: { stream?: { session?: { socket?: unknown } } } }).call?.stream?.session;
  return session && session.socket instanceof TLSSocket ? session : undefined;
}

function readIdentity(call: AuthCall): PeerIdentity | undefined {
  const cert = call.getAuthContext().sslPeerCertificate;
  if (!cert || !cert.subject) return undefined;
  const cn = cert.subject.CN;
  const commonName = Array.isArray(cn) ? cn[0] : cn;
  if (!commonName) return undefined;
  const dnsNames = (cert.subjectaltname ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
  const service = serviceOfAltNames(cert.subjectaltname);
  return Object.freeze({
    commonName,
    dnsNames: Object.freeze(dnsNames),
    ...(service ? { service } : {}),
    fingerprint256: cert.fingerprint256,
  });
}

/** Undefined on plaintext connections, or when the client presented no certificate. */
export function peerIdentity(call: AuthCall): PeerIdentity | undefined {
  const connection = connectionOf(call);
  if (!connection) return readIdentity(call);
  const known = byConnection.get(connection);
  if (known) return known;
  // Only identities are remembered: a connection without one is rare (mutual TLS refuses clients without a
  // certificate) and is simply read again on its next call.
  const identity = readIdentity(call);
  if (identity) byConnection.set(connection, identity);
  return identity;
}

/**
 * The scope a caller's own records live in (idempotency keys, for one): its certificate's common name, or
 * 'local' on an explicitly plaintext local run, where every caller is the same unnamed one.
 */
export function callerScope(peer: PeerIdentity | undefined): string {
  return peer ? `cn:${peer.commonName}` : 'local';
}
