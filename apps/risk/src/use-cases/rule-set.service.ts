import { watch, type FSWatcher } from 'fs';
import { readFile } from 'fs/promises';
import { basename, dirname } from 'path';
import { type Logger } from 'pino';
import { type CompiledRuleSet } from '../domain/rules/compiled-rule-set';
import { RuleSetError } from '../domain/rules/rule-compile-error';
import { compileRuleSetText } from '../domain/rules/rule-set-compiler';
import { type RuleSetRegistry } from '../domain/rules/rule-set-registry';

/** The rule sets in force: replaced as a whole, never mutated, so an evaluation holding one finishes on it. */
export interface ActiveRules {
  readonly live: CompiledRuleSet;
  readonly shadow: CompiledRuleSet | null;
  readonly loadedAt: number;
}

export interface RuleSetStatus {
  liveVersion: string;
  liveSha256: string;
  shadowVersion: string;
  loadedAt: string;
  lastError: string;
}

export interface RuleSetHolderOptions {
  liveFile: string;
  /** A candidate evaluated beside the live set; its absence (file missing) means no shadow. */
  shadowFile?: string;
  registry: RuleSetRegistry;
  logger: Logger;
  /** Observes every reload attempt (metrics). */
  onReload?: (outcome: 'applied' | 'unchanged' | 'refused') => void;
  debounceMs?: number;
}

/**
 * Loads, hot-reloads and swaps the live and shadow rule sets. A reload compiles off to the side and swaps one
 * reference; a file with any error is refused with its problems logged and kept in `lastError`, and the rules in
 * force stay in force. Reloads are serialised, triggered by a file watch or an admin call.
 */
export class RuleSetHolder {
  private active: ActiveRules | null = null;
  private lastError = '';
  private queue: Promise<unknown> = Promise.resolve();
  private watcher: FSWatcher[] = [];
  private debounce?: NodeJS.Timeout;

  constructor(private readonly opts: RuleSetHolderOptions) {}

  current(): ActiveRules {
    if (!this.active) throw new Error('rules are not loaded yet');
    return this.active;
  }

  /** The first load: without valid live rules the service must not start. */
  async load(): Promise<ActiveRules> {
    await this.reload();
    if (!this.active) throw new Error(`cannot start without valid rules: ${this.lastError}`);
    return this.active;
  }

  /** Re-reads both files; returns the status after the attempt (with lastError when something was refused). */
  reload(): Promise<RuleSetStatus> {
    const run = this.queue.then(() => this.reloadNow());
    this.queue = run.catch(() => undefined);
    return run;
  }

  status(): RuleSetStatus {
    return {
      liveVersion: this.active?.live.label ?? '',
      liveSha256: this.active?.live.sha256 ?? '',
      shadowVersion: this.active?.shadow?.label ?? '',
      loadedAt: this.active ? new Date(this.active.loadedAt).toISOString() : '',
      lastError: this.lastError,
    };
  }

  /** Watches the folders of the rule files (editors and deployments replace files by rename). */
  watch(): void {
    const files = [this.opts.liveFile, this.opts.shadowFile].filter((f): f is string => !!f);
    const dirs = new Set(files.map((f) => dirname(f)));
    const names = new Set(files.map((f) => basename(f)));
    for (const dir of dirs) {
      const w = watch(dir, (_event, name) => {
        if (name && !names.has(name.toString())) return;
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => void this.reload(), this.opts.debounceMs ?? 200);
      });
      w.on('error', (e) => this.opts.logger.warn({ dir, error: e.message }, 'rule file watch failed'));
      this.watcher.push(w);
    }
  }

  close(): void {
    clearTimeout(this.debounce);
    this.watcher.forEach((w) => w.close());
    this.watcher = [];
  }

  private async reloadNow(): Promise<RuleSetStatus> {
    const problems: string[] = [];
    const previous = this.active;
    const live = await this.loadFile(this.opts.liveFile, false, problems);
    const shadow = this.opts.shadowFile ? await this.loadFile(this.opts.shadowFile, true, problems) : null;
    const nextLive = live ?? previous?.live ?? null;
    // A refused shadow file keeps the previous shadow; a missing one ends shadowing.
    const nextShadow = shadow === undefined ? (previous?.shadow ?? null) : shadow;
    this.lastError = problems.join('\n');
    if (!nextLive) {
      this.opts.onReload?.('refused');
      return this.status();
    }
    const changed =
      nextLive.sha256 !== previous?.live.sha256 ||
      (nextShadow?.sha256 ?? '') !== (previous?.shadow?.sha256 ?? '');
    if (changed) {
      this.active = Object.freeze({ live: nextLive, shadow: nextShadow, loadedAt: Date.now() });
      this.opts.logger.info(
        { live: nextLive.label, shadow: nextShadow?.label ?? null, rules: nextLive.ruleCount },
        'rule sets in force',
      );
    }
    this.opts.onReload?.(problems.length ? 'refused' : changed ? 'applied' : 'unchanged');
    return this.status();
  }

  /** The compiled set, null for a missing optional file, undefined when refused (problems recorded). */
  private async loadFile(
    file: string,
    optional: boolean,
    problems: string[],
  ): Promise<CompiledRuleSet | null | undefined> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if (optional && (e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      problems.push(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      this.opts.logger.error({ file }, 'rule file cannot be read; the rules in force stay in force');
      return undefined;
    }
    try {
      const set = compileRuleSetText(text, file);
      await this.opts.registry.register(set, text, file);
      return set;
    } catch (e) {
      if (!(e instanceof RuleSetError)) throw e;
      problems.push(e.message);
      this.opts.logger.error(
        { file, problems: e.problems },
        'rule file refused; the rules in force stay in force',
      );
      return undefined;
    }
  }
}
