/** Node's `req.headers` (lower-case names) or a fetch `Headers`; plain records are matched case-insensitively. */
export type HeaderSource =
  { get(name: string): string | null } | Readonly<Record<string, string | readonly string[] | undefined>>;

export type HeaderValue = { readonly ok: true; readonly value: string | undefined } | { readonly ok: false };

/** Reads one header; a header sent twice (array) is reported as not ok rather than silently picking one. */
export function readHeader(headers: HeaderSource, name: string): HeaderValue {
  if (typeof headers.get === 'function') {
    const v = (headers as { get(name: string): string | null }).get(name);
    return { ok: true, value: v ?? undefined };
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const lower = name.toLowerCase();
  let raw = record[lower];
  if (raw === undefined) {
    const key = Object.keys(record).find((k) => k.toLowerCase() === lower);
    raw = key === undefined ? undefined : record[key];
  }
  if (raw === undefined || typeof raw === 'string') return { ok: true, value: raw };
  return raw.length === 1 ? { ok: true, value: raw[0] } : { ok: false };
}
