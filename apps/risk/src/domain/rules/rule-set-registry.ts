import { type CompiledRuleSet } from './compiled-rule-set';
import { RuleSetError } from './rule-compile-error';

/**
 * Where every rule-set version that ever went live or into shadow is kept, so a decision's recorded version can
 * always be looked up, and so one version label can never stand for two different contents.
 */
export interface RuleSetRegistry {
  /** Stores the version; refuses (RuleSetError) a known label whose content differs. */
  register(set: CompiledRuleSet, body: string, source: string): Promise<void>;
}

export function versionReuseError(set: CompiledRuleSet, source: string): RuleSetError {
  return new RuleSetError(source, [
    `version ${set.label} is already registered with different content: give the changed rules a new version`,
  ]);
}

export class InMemoryRuleSetRegistry implements RuleSetRegistry {
  readonly versions = new Map<string, { sha256: string; body: string }>();

  async register(set: CompiledRuleSet, body: string, source: string): Promise<void> {
    const known = this.versions.get(set.label);
    if (known && known.sha256 !== set.sha256) throw versionReuseError(set, source);
    if (!known) this.versions.set(set.label, { sha256: set.sha256, body });
  }
}
