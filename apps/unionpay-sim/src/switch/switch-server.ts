import { type AddressInfo, type Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { type ServerTls } from '../keys/tls-material';
import { SwitchConnection } from './switch-connection';
import { type SwitchContext } from './switch-context';

/**
 * The switch's TLS endpoint: TLS 1.3 only, client certificate required and checked against the CA (mutual
 * authentication; SM TLS suites do not exist on Node, profile §3.1). During an outage every connection is
 * closed and new ones are dropped at once.
 */
export class SwitchServer {
  #server?: Server;
  readonly #connections = new Set<SwitchConnection>();
  readonly #sockets = new Set<Socket>();

  constructor(
    private readonly ctx: SwitchContext,
    private readonly tls: ServerTls,
  ) {
    ctx.faults.onOutageChange((active) => {
      if (!active) return;
      ctx.logger.warn({ connections: this.#connections.size }, 'channel outage: closing every connection');
      for (const s of this.#sockets) s.destroy();
    });
  }

  async listen(host: string, port: number): Promise<number> {
    const server = createServer(
      {
        ca: this.tls.ca,
        cert: this.tls.cert,
        key: this.tls.key,
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.3',
      },
      (socket: TLSSocket) => {
        const conn = new SwitchConnection(socket, this.ctx);
        this.#connections.add(conn);
        socket.on('close', () => this.#connections.delete(conn));
      },
    );
    server.on('connection', (socket: Socket) => {
      if (this.ctx.faults.outage) {
        socket.destroy();
        return;
      }
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    server.on('tlsClientError', (e) => this.ctx.logger.warn({ err: e.message }, 'TLS handshake refused'));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return this.port;
  }

  get port(): number {
    return (this.#server?.address() as AddressInfo | null)?.port ?? 0;
  }

  get listening(): boolean {
    return this.#server?.listening ?? false;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.#server = undefined;
  }
}
