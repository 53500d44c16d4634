import { type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'http';
import { type WebhookEndpoint } from '../domain/notification-facts';
import { type WebhookAnswer, type WebhookIntake } from '../use-cases/webhooks/webhook-intake.service';

const ENDPOINTS: Readonly<Record<string, WebhookEndpoint>> = {
  '/notify/wechatpay/transactions': 'transactions',
  '/notify/wechatpay/refunds': 'refunds',
  '/notify/wechatpay/papay': 'papay',
};

/** The JSON body limit of the Nest route (body-parser's default, 100 kb). */
const BODY_LIMIT = 100 * 1024;

/** What the framework's route would answer before the handler: 400 (not JSON), 413 (too large), 500. */
export type UnreadBodyAnswer = (res: ServerResponse, endpoint: WebhookEndpoint, status: number) => void;

export function writeWebhookAnswer(res: ServerResponse, answer: WebhookAnswer): void {
  res.statusCode = answer.status;
  if (answer.body) {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(answer.body));
  } else {
    res.end();
  }
}

/**
 * Serves the WeChat Pay webhooks straight from Node's HTTP server, ahead of Express and Nest. At thousands of
 * notifications a second, routing, the body-parsing middleware and the handler pipeline cost about as much CPU
 * as verifying and storing a notification. Only requests this answers exactly as the Nest route would are taken
 * (POST to one of the three exact paths, a declared length, UTF-8 JSON without content encoding); all others,
 * and every other route, go on to Express untouched.
 */
export function serveWebhooksFirst(server: Server, intake: WebhookIntake, unread: UnreadBodyAnswer): void {
  const framework = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const endpoint = takenEndpoint(req);
    if (endpoint) {
      receive(req, res, endpoint, intake, unread);
      return;
    }
    for (const listener of framework) listener.call(server, req, res);
  });
}

function takenEndpoint(req: IncomingMessage): WebhookEndpoint | undefined {
  if (req.method !== 'POST') return undefined;
  const url = req.url ?? '';
  const query = url.indexOf('?');
  const endpoint = ENDPOINTS[query < 0 ? url : url.slice(0, query)];
  if (!endpoint) return undefined;
  const { headers } = req;
  const encoding = headers['content-encoding']?.toLowerCase();
  if (encoding !== undefined && encoding !== 'identity') return undefined;
  if (!/^\d+$/.test(headers['content-length'] ?? '')) return undefined;
  return isUtf8Json(headers['content-type']) ? endpoint : undefined;
}

function isUtf8Json(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [type, ...params] = contentType
    .toLowerCase()
    .split(';')
    .map((s) => s.trim());
  if (type !== 'application/json') return false;
  return params.every((p) => p === '' || p === 'charset=utf-8' || p === 'charset="utf-8"');
}

function receive(
  req: IncomingMessage,
  res: ServerResponse,
  endpoint: WebhookEndpoint,
  intake: WebhookIntake,
  unread: UnreadBodyAnswer,
): void {
  if (Number(req.headers['content-length']) > BODY_LIMIT) {
    req.resume();
    unread(res, endpoint, 413);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
  });
  // An aborted request has no one to answer.
  req.on('error', () => undefined);
  req.on('end', () => {
    const raw = Buffer.concat(chunks, size);
    if (!parsesAsJson(raw)) {
      unread(res, endpoint, 400);
      return;
    }
    intake.handle(endpoint, req.headers, raw).then(
      (answer) => writeWebhookAnswer(res, answer),
      () => unread(res, endpoint, 500),
    );
  });
}

/**
 * body-parser's strict JSON rule, which the Nest route applies before the handler: empty (passed on, the intake
 * refuses it), or an object or array after an optional byte-order mark.
 */
function parsesAsJson(raw: Buffer): boolean {
  if (raw.length === 0) return true;
  let text = raw.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
