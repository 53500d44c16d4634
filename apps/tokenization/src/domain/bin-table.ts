import { readFileSync } from 'fs';
import { z } from 'zod';

export const binRangeSchema = z
  .object({
    brand: z.string().regex(/^[A-Z][A-Z0-9_]{1,31}$/, 'must be an upper-case brand name'),
    from: z.string().regex(/^\d{1,8}$/, 'must be 1-8 digits'),
    to: z.string().regex(/^\d{1,8}$/, 'must be 1-8 digits'),
    lengths: z.array(z.number().int().min(12).max(19)).min(1),
    issuer: z.string().max(100).optional(),
  })
  .strict()
  .refine((r) => r.from.length === r.to.length && r.from <= r.to, {
    message: 'from and to must be prefixes of equal length with from <= to',
  });

export type BinRangeSpec = z.infer<typeof binRangeSchema>;

export interface BinMatch {
  brand: string;
  issuer: string;
  lengths: readonly number[];
}

/** When no range matches: any length the PAN rules allow, brand UNKNOWN. */
export const UNKNOWN_BIN: BinMatch = {
  brand: 'UNKNOWN',
  issuer: '',
  lengths: [13, 14, 15, 16, 17, 18, 19],
};

/** Brand, issuer and allowed PAN lengths by the longest matching prefix range. */
export class BinTable {
  private readonly ranges: readonly BinRangeSpec[];

  constructor(ranges: readonly BinRangeSpec[]) {
    // Longest prefix first, so the first match is the most specific (an issuer entry's own lengths apply).
    this.ranges = [...ranges].sort((a, b) => b.from.length - a.from.length);
  }

  lookup(pan: string): BinMatch {
    for (const r of this.ranges) {
      const prefix = pan.slice(0, r.from.length);
      if (prefix.length === r.from.length && prefix >= r.from && prefix <= r.to) {
        return { brand: r.brand, issuer: r.issuer ?? '', lengths: r.lengths };
      }
    }
    return UNKNOWN_BIN;
  }

  static fromFile(path: string): BinTable {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`TOKENIZATION_BIN_TABLE_FILE ${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const result = z.array(binRangeSchema).min(1).safeParse(parsed);
    if (!result.success) {
      const issues = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new Error(`TOKENIZATION_BIN_TABLE_FILE ${path}: ${issues}`);
    }
    return new BinTable(result.data);
  }
}
