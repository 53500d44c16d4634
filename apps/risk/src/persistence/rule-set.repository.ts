import { type DataSource } from 'typeorm';
import { type CompiledRuleSet } from '../domain/rules/compiled-rule-set';
import { versionReuseError, type RuleSetRegistry } from '../domain/rules/rule-set-registry';

/** Every rule-set version the engine has run, with its exact text, so any stored decision can be replayed. */
export class RuleSetRepository implements RuleSetRegistry {
  constructor(private readonly dataSource: DataSource) {}

  async register(set: CompiledRuleSet, body: string, source: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO risk_rule_set (version_label, sha256, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [set.label, set.sha256, body],
    );
    const rows: { sha256: string }[] = await this.dataSource.query(
      `SELECT sha256 FROM risk_rule_set WHERE version_label = $1`,
      [set.label],
    );
    if (rows[0]?.sha256 !== set.sha256) throw versionReuseError(set, source);
  }

  async body(label: string): Promise<string | undefined> {
    const rows: { body: string }[] = await this.dataSource.query(
      `SELECT body FROM risk_rule_set WHERE version_label = $1`,
      [label],
    );
    return rows[0]?.body;
  }
}
