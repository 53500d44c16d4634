const LF = Buffer.from('\n');

function bytes(value: Buffer | string): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

/**
 * The five LF-terminated lines a merchant signs: method, canonical URL (raw path + `?` + raw query, exactly as
 * sent), timestamp (seconds), nonce, body (the exact bytes sent; empty for GET). The last LF is always present,
 * body or not — wechatpay-node-v3's getSignature drops it for an empty POST.
 */
export function requestSignMessage(
  method: string,
  canonicalUrl: string,
  timestamp: string,
  nonce: string,
  body: Buffer | string,
): Buffer {
  const head = Buffer.from(`${method.toUpperCase()}\n${canonicalUrl}\n${timestamp}\n${nonce}\n`, 'utf8');
  return Buffer.concat([head, bytes(body), LF]);
}

/** The three LF-terminated lines WeChat Pay signs: timestamp, nonce, raw body (empty for 204 answers). */
export function responseSignMessage(timestamp: string, nonce: string, body: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`, 'utf8'), bytes(body), LF]);
}
