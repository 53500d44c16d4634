import { cardTokenSchema, DomainError } from '@wxpay/contracts';
import { isIP } from 'net';
import { type Logger } from 'pino';
import { type ListCache, type ListEntry, type ListKind, type ListSubject } from '../domain/state/list-cache';
import { type ListRepository } from '../persistence/list.repository';

/**
 * Lists are stored in the database (the truth, shared by every instance) and cached in memory for Evaluate.
 * Changes made here apply to this instance at once; a periodic refresh picks up other instances' changes.
 * Expiry needs no refresh: the cache checks it at evaluation time.
 */
export class ListService {
  private timer?: NodeJS.Timeout;
  /** Bumped by every local change, so a refresh that read the table before that change does not undo it. */
  private changes = 0;

  constructor(
    private readonly repo: ListRepository,
    private readonly cache: ListCache,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Adds (or replaces) an entry. The cross-field rules are checked here (the request rules check each field): the
   * value must be what its subject is, and an expiry must lie in the future. Messages never echo the value.
   */
  async put(e: Omit<ListEntry, 'createdAt'>): Promise<ListEntry> {
    checkValue(e.subject, e.value);
    if (e.expiresAt !== null && e.expiresAt <= this.clock()) {
      throw DomainError.invalid('expires_at', 'must be in the future');
    }
    const stored = await this.repo.put(e);
    this.changes++;
    this.cache.put(stored);
    return stored;
  }

  async delete(kind: ListKind, subject: ListSubject, value: string): Promise<boolean> {
    checkValue(subject, value);
    const deleted = await this.repo.delete(kind, subject, value);
    this.changes++;
    this.cache.remove(kind, subject, value);
    return deleted;
  }

  list(kind?: ListKind, subject?: ListSubject): ListEntry[] {
    return this.cache
      .entries(this.clock())
      .filter((e) => (!kind || e.kind === kind) && (!subject || e.subject === subject))
      .sort(
        (a, b) =>
          a.kind.localeCompare(b.kind) ||
          a.subject.localeCompare(b.subject) ||
          a.value.localeCompare(b.value),
      );
  }

  async refresh(): Promise<number> {
    const before = this.changes;
    const entries = await this.repo.loadActive(this.clock());
    if (this.changes === before) this.cache.replaceAll(entries);
    return entries.length;
  }

  startRefreshing(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.refresh().catch((e: unknown) =>
        this.logger.warn({ error: e instanceof Error ? e.message : String(e) }, 'list refresh failed'),
      );
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** The value of a list entry, checked as what its subject is. */
function checkValue(subject: ListSubject, value: string): void {
  if (subject === 'IP') {
    if (isIP(value) === 0) throw DomainError.invalid('value', 'must be an IPv4 or IPv6 address');
  } else if (subject === 'CARD_TOKEN') {
    if (/^\d{12,19}$/.test(value))
      throw DomainError.invalid('value', 'must be a vault token, not a card number');
    if (!cardTokenSchema.safeParse(value).success) {
      throw DomainError.invalid('value', 'must be a vault token (tok_ + 26 base32 characters)');
    }
  }
}
