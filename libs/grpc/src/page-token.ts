import { createHash } from 'crypto';
import { DomainError, PageCursor } from '@wxpay/contracts';
import { canonicalJson } from './idempotency';

/**
 * Opaque `page_token`s for keyset pagination, one format for every service: base64url of
 * `gateway.common.v1.PageCursor`, holding the sort key and id of the last item shown and a digest of the query's
 * filters. A token that does not decode, has the wrong shape or comes from another query is INVALID_ARGUMENT
 * `page_token`, never an internal error.
 */
export const PageTokens = {
  encode(after: readonly string[], query: Record<string, unknown> = {}): string {
    return Buffer.from(PageCursor.encode({ after: [...after], query: digest(query) }).finish()).toString(
      'base64url',
    );
  },

  /** The `after` values of a token (`arity` of them), or undefined for the first page (empty token). */
  decode(token: string, arity: number, query: Record<string, unknown> = {}): string[] | undefined {
    if (token === '') return undefined;
    let cursor: PageCursor | undefined;
    try {
      if (/^[A-Za-z0-9_-]+$/.test(token)) cursor = PageCursor.decode(Buffer.from(token, 'base64url'));
    } catch {
      cursor = undefined;
    }
    if (!cursor || cursor.after.length !== arity || cursor.after.some((v) => v === '')) {
      throw DomainError.invalid('page_token', 'is not a token from a previous page');
    }
    if (cursor.query !== digest(query)) {
      throw DomainError.invalid('page_token', 'belongs to a query with other filters');
    }
    return cursor.after;
  },
};

function digest(query: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(query)).digest('base64url').slice(0, 16);
}
