import { existsSync, rmSync } from 'fs';
import { createConnection, createServer, type Server, type Socket } from 'net';
import { createInterface } from 'readline';

/** `npm start -- restart <app> [NAME=value …]` as sent to the running launcher. */
export interface RestartRequest {
  restart: string;
  /** Added to the app's environment for this and later starts. */
  env: Record<string, string>;
}

type Reply = { log: string } | { ok: true } | { error: string };

function send(socket: Socket, reply: Reply): void {
  socket.write(`${JSON.stringify(reply)}\n`);
}

function isRestartRequest(v: unknown): v is RestartRequest {
  const r = v as Partial<RestartRequest> | null;
  return (
    typeof r?.restart === 'string' &&
    typeof r.env === 'object' &&
    r.env !== null &&
    Object.values(r.env).every((x) => typeof x === 'string')
  );
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * The running launcher's control channel: a Unix socket (only this machine's users with access to the
 * workspace reach it), one JSON request per connection, answered with progress lines and a result.
 */
export async function serveControl(
  path: string,
  handle: (request: RestartRequest, progress: (line: string) => void) => Promise<void>,
): Promise<Server> {
  if (existsSync(path)) {
    if (await answers(path)) throw new Error(`another launcher answers on ${path}`);
    rmSync(path, { force: true }); // left by a launcher that was killed
  }
  const server = createServer((socket) => {
    const lines = createInterface({ input: socket });
    lines.on('error', () => undefined); // a caller that went away; nothing to answer
    lines.once('line', (line) => {
      lines.close();
      let request: unknown;
      try {
        request = JSON.parse(line);
      } catch {
        request = undefined;
      }
      if (!isRestartRequest(request)) {
        send(socket, { error: 'not a restart request' });
        socket.end();
        return;
      }
      handle(request, (l) => send(socket, { log: l }))
        .then(
          () => send(socket, { ok: true }),
          (e: unknown) => send(socket, { error: e instanceof Error ? e.message : String(e) }),
        )
        .finally(() => socket.end());
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  return server;
}

/** Asks the launcher behind `path` to restart an app; resolves when it is ready again. */
export function requestRestart(
  path: string,
  request: RestartRequest,
  onLog: (line: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.once('error', (e: NodeJS.ErrnoException) =>
      settle(
        e.code === 'ENOENT' || e.code === 'ECONNREFUSED'
          ? new Error('no cluster is running from this workspace (start one with npm start)')
          : e,
      ),
    );
    socket.once('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    // readline re-emits the socket's errors on the interface; the socket's own handler above answers them.
    const lines = createInterface({ input: socket });
    lines.on('error', () => undefined);
    lines.on('line', (line) => {
      const reply = JSON.parse(line) as Reply;
      if ('log' in reply) onLog(reply.log);
      else if ('ok' in reply) settle();
      else settle(new Error(reply.error));
    });
    socket.once('close', () => settle(new Error('the launcher closed the connection without an answer')));
  });
}
