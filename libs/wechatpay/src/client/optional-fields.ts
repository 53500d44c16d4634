/** WeChat rejects `null` values: absent options are left out of the body rather than sent as null. */
export function optional(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== null));
}
