import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import type { TlsMaterial } from './dev-pki';

/** Test-only: a TLS 1.3 echo server that demands a client certificate from its CA, and a client for it. */
/** The subject CN of a peer certificate (Node types allow a repeated attribute as an array). */
export function peerCommonName(cert: tls.PeerCertificate | undefined): string | undefined {
  const cn: string | string[] | undefined = cert?.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

export interface MutualTlsServer {
  port: number;
  /** Subject CNs of the clients whose handshake the server accepted. */
  acceptedClients: string[];
  close(): Promise<void>;
}

export async function startMutualTlsServer(material: TlsMaterial): Promise<MutualTlsServer> {
  const acceptedClients: string[] = [];
  const server = tls.createServer(
    { ...material, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' },
    (socket) => {
      acceptedClients.push(peerCommonName(socket.getPeerCertificate()) ?? '(none)');
      socket.on('data', (d) => socket.end(`echo:${d.toString()}`));
      socket.on('error', () => undefined);
    },
  );
  server.on('tlsClientError', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    acceptedClients,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface ExchangeResult {
  /** What came back, or undefined when the connection failed or closed without an answer. */
  reply?: string;
  protocol?: string | null;
  serverCN?: string;
  error?: string;
}

/** Connects as a client (optionally without a certificate), sends one message and reports what happened. */
export function exchange(
  port: number,
  options: { ca: Buffer; key?: Buffer; cert?: Buffer; servername?: string },
): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    const result: ExchangeResult = {};
    const socket = tls.connect({ host: '127.0.0.1', port, minVersion: 'TLSv1.3', ...options }, () => {
      result.protocol = socket.getProtocol();
      result.serverCN = peerCommonName(socket.getPeerCertificate());
      socket.write('ping');
    });
    let reply = '';
    socket.on('data', (d) => (reply += d.toString()));
    socket.on('error', (err: NodeJS.ErrnoException) => (result.error = err.code ?? err.message));
    socket.on('close', () => resolve({ ...result, reply: reply || undefined }));
  });
}
