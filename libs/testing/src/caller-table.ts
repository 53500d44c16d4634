/**
 * Checks a service's caller table against the running service: every method is called once by every identity
 * (with the method's empty request), and each answer is classed as refused by the caller guard (PERMISSION_DENIED,
 * code CALLER_NOT_ALLOWED) or admitted (anything else: the call reached validation or the use case). Returns the
 * calls whose class differs from the table, so a test can expect an empty list.
 */
export async function callerTableMismatches(options: {
  /** Method (as the test names it) → the identities that may call it. */
  table: Readonly<Record<string, readonly string[]>>;
  /** Every identity to try, allowed or not (include at least one that is on no list). */
  identities: readonly string[];
  call: (identity: string, method: string) => Promise<unknown>;
}): Promise<string[]> {
  const mismatches: string[] = [];
  for (const [method, allowed] of Object.entries(options.table)) {
    for (const identity of options.identities) {
      const refused = await options.call(identity, method).then(
        () => false,
        (e: unknown) => isCallerRefusal(e),
      );
      const expected = allowed.includes(identity) ? 'admitted' : 'refused';
      const got = refused ? 'refused' : 'admitted';
      if (expected !== got) mismatches.push(`${method} by ${identity}: expected ${expected}, was ${got}`);
    }
  }
  return mismatches;
}

/** PERMISSION_DENIED from the caller guard (not a use case's own permission refusal). */
export function isCallerRefusal(e: unknown): boolean {
  const error = e as { code?: unknown; metadata?: { get(key: string): unknown[] } };
  return error?.code === 7 && String(error.metadata?.get('x-reason')[0]) === 'CALLER_NOT_ALLOWED';
}
