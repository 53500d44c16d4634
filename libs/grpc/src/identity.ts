import { type ServerUnaryCall } from '@grpc/grpc-js';

/** Who is calling, as proven by the client certificate of a mutual-TLS connection. */
export interface PeerIdentity {
  commonName: string;
  dnsNames: string[];
  fingerprint256: string;
}

/** Undefined on plaintext connections, or when the client presented no certificate. */
export function peerIdentity(
  call: Pick<ServerUnaryCall<unknown, unknown>, 'getAuthContext'>,
): PeerIdentity | undefined {
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
  return { commonName, dnsNames, fingerprint256: cert.fingerprint256 };
}
