/**
 * An unambiguous byte encoding of a list of fields, for hashing: each field is a presence byte (0 = absent,
 * 1 = present) followed by a 4-byte big-endian length and its UTF-8 bytes. No separator can be forged by a
 * field's content, and an empty string differs from an absent value.
 */
export function canonicalFields(fields: readonly (string | null | undefined)[]): Buffer {
  const parts: Buffer[] = [];
  for (const field of fields) {
    if (field === null || field === undefined) {
      parts.push(Buffer.from([0]));
      continue;
    }
    const bytes = Buffer.from(field, 'utf8');
    const head = Buffer.alloc(5);
    head[0] = 1;
    head.writeUInt32BE(bytes.length, 1);
    parts.push(head, bytes);
  }
  return Buffer.concat(parts);
}
