/** A mistake in a rule file, with where it is (e.g. `rules[3].when.all[1].>[0]`). */
export class RuleCompileError extends Error {
  override readonly name = 'RuleCompileError';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

/** A rule file that was refused, with every problem found. The rules in force stay in force. */
export class RuleSetError extends Error {
  override readonly name = 'RuleSetError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`rule set ${source} refused:\n  - ${problems.join('\n  - ')}`);
  }
}
