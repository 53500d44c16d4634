import { z } from 'zod';
import { wechatErrors } from './sim-api-error';

/**
 * WeChat's request-body rules before any business check: JSON, no `null` values, and only 1–3-byte UTF-8
 * characters (no emoji / supplementary plane). Then the API's own schema; a failure names the field as a JSON
 * Pointer, as WeChat does.
 */
export function parseWechatBody<S extends z.ZodType>(raw: Buffer, schema: S): z.output<S> {
  if (raw.length === 0) throw wechatErrors.paramError('请求体为空');
  if (hasFourByteUtf8(raw)) throw wechatErrors.paramError('请求参数包含不支持的字符（4字节UTF-8）');
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw wechatErrors.paramError(
      '输入源“/body”映射到值字段“请求体”字符串规则校验失败，请求体不是合法的JSON',
    );
  }
  const nullAt = findNull(json, '');
  if (nullAt !== undefined) {
    throw wechatErrors.paramError(`参数不允许为null`, {
      field: nullAt || '/',
      location: 'body',
      issue: 'null value',
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = `/${issue.path.join('/')}`;
    throw wechatErrors.paramError(`输入源“/body${field}”映射到值字段校验失败：${issue.message}`, {
      field,
      location: 'body',
      issue: issue.message,
    });
  }
  return parsed.data;
}

function hasFourByteUtf8(raw: Buffer): boolean {
  for (const byte of raw) if (byte >= 0xf0) return true;
  return false;
}

function findNull(value: unknown, pointer: string): string | undefined {
  if (value === null) return pointer;
  if (typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    const found = findNull(v, `${pointer}/${k}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Plain JSON for the simulator's own /sim endpoints (no WeChat rules). */
export function parseSimBody<S extends z.ZodType>(raw: Buffer, schema: S): z.output<S> {
  let json: unknown = {};
  if (raw.length) {
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new SimBadRequest('body is not JSON');
    }
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new SimBadRequest(z.prettifyError(parsed.error));
  return parsed.data;
}

/** A 400 on a /sim endpoint (plain shape, not WeChat's). */
export class SimBadRequest extends Error {
  override readonly name = 'SimBadRequest';
}
