export const AUTH_SCHEME = 'WECHATPAY2-SHA256-RSA2048';

export interface AuthorizationParams {
  readonly mchid: string;
  readonly nonce_str: string;
  readonly timestamp: string;
  readonly serial_no: string;
  readonly signature: string;
}

const PARAM_NAMES = ['mchid', 'nonce_str', 'timestamp', 'serial_no', 'signature'] as const;

/** `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"` (SDK order). */
export function formatAuthorization(p: AuthorizationParams): string {
  return `${AUTH_SCHEME} ${PARAM_NAMES.map((k) => `${k}="${p[k]}"`).join(',')}`;
}

export type ParsedAuthorization =
  | { readonly ok: true; readonly scheme: string; readonly params: AuthorizationParams }
  | { readonly ok: false; readonly reason: string };

const PAIR = /^\s*([a-z_]+)="([^"]*)"\s*$/;

/**
 * Parses the header the way WeChat Pay's gateway does: a scheme token, one space, five `key="value"` pairs in
 * any order. Used by the simulator; duplicate or missing pairs make the header invalid.
 */
export function parseAuthorization(header: string | undefined): ParsedAuthorization {
  if (!header) return { ok: false, reason: 'missing Authorization header' };
  const space = header.indexOf(' ');
  if (space <= 0) return { ok: false, reason: 'no authorization scheme' };
  const scheme = header.slice(0, space);
  const found = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const m = PAIR.exec(part);
    if (!m || found.has(m[1])) return { ok: false, reason: 'malformed key="value" pair' };
    found.set(m[1], m[2]);
  }
  for (const name of PARAM_NAMES) {
    if (!found.get(name)) return { ok: false, reason: `missing ${name}` };
  }
  const get = (k: (typeof PARAM_NAMES)[number]): string => found.get(k) as string;
  return {
    ok: true,
    scheme,
    params: {
      mchid: get('mchid'),
      nonce_str: get('nonce_str'),
      timestamp: get('timestamp'),
      serial_no: get('serial_no'),
      signature: get('signature'),
    },
  };
}
