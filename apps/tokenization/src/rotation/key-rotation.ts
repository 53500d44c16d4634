import { randomUUID } from 'crypto';
import { type Logger } from '@wxpay/observability';
import { type DataSource, type EntityManager } from 'typeorm';
import { type AuditLog } from '../persistence/audit-log';
import { emitKeysRotated } from '../persistence/card-events';
import { rewrapDek } from '../crypto/envelope';
import { countWrappedByVersion, retireUnusedKeks } from '../persistence/key-registry';
import { kekName, type KeyRing } from '../keys/key-ring';
import { RotationJobRepository as Jobs, type RotationJobRow } from '../persistence/rotation-job.repository';

export interface RotationProgress {
  jobId: string;
  first: string;
  last: string;
  count: number;
  batches: number;
}

export interface RotationRunOptions {
  batchSize: number;
  pauseMs?: number;
  /** Stops between batches (shutdown); the job stays `running` and the next run resumes from its cursor. */
  signal?: AbortSignal;
  /** Test seam: throw inside the transaction of the batch after this many batches of this run (a crash). */
  failAfterBatches?: number;
  onBatch?: (progress: RotationProgress) => void;
}

export interface RotationOutcome {
  jobId: string;
  targetVersion: number;
  state: 'completed' | 'stopped';
  /** Data keys re-wrapped by the job over all its runs (when completed). */
  rewrapped: number;
  retired: number[];
}

export class InjectedRotationFailure extends Error {
  override readonly name = 'InjectedRotationFailure';
}

type Step =
  | { kind: 'gone' }
  | { kind: 'pass' }
  | { kind: 'batch'; progress: Omit<RotationProgress, 'jobId'> }
  | { kind: 'completed'; rewrapped: number; retired: number[] };

const ACTOR = 'system:key-rotation';

/**
 * Re-wraps every data key under the current KEK, without downtime:
 * - only data keys are re-sealed; card-number ciphertext is untouched, and each row names the KEK that wraps it,
 *   so reads work throughout (a row is on the old or the new version, both loaded);
 * - the work goes in batches, each one transaction that locks the job row (so instances never run it twice at
 *   once), re-wraps up to `batchSize` records in token order after the job's cursor, and moves the cursor:
 *   a crash loses at most the batch in flight, and the next run resumes from the cursor;
 * - when a pass finds nothing after the cursor, rows still on an old version (written meanwhile by an instance
 *   with older configuration) start another pass; otherwise the job completes, KEK versions that wrap nothing
 *   are marked retired, and KeysRotated goes out through the outbox with the audit entry in the same commit.
 */
export class KeyRotation {
  constructor(
    private readonly dataSource: DataSource,
    private readonly ring: KeyRing,
    private readonly audit: AuditLog,
    private readonly logger: Logger,
    private readonly eventsTopic: string,
  ) {}

  /** Records per KEK version other than the current one. */
  async pending(): Promise<Map<number, number>> {
    const byVersion = await countWrappedByVersion(this.dataSource.manager);
    byVersion.delete(this.ring.currentVersion);
    return byVersion;
  }

  async run(opts: RotationRunOptions): Promise<RotationOutcome | undefined> {
    const job = await this.openJob();
    if (!job) {
      await this.retireIdle();
      return undefined;
    }
    const to = kekName(job.target_kek_version);
    this.logger.info(
      { job: job.id, to, cursor: job.cursor_token || '(start)', done: Number(job.rewrapped) },
      'key rotation running',
    );
    const stopped: RotationOutcome = {
      jobId: job.id,
      targetVersion: job.target_kek_version,
      state: 'stopped',
      rewrapped: 0,
      retired: [],
    };
    for (let batches = 0; !opts.signal?.aborted;) {
      const step = await this.dataSource.transaction((m) => this.step(m, job.id, opts, batches));
      if (step.kind === 'gone') return stopped;
      if (step.kind === 'completed') {
        const retired = step.retired.map(kekName);
        this.logger.info(
          { job: job.id, to, rewrapped: step.rewrapped, retired },
          retired.length
            ? 'key rotation complete; retired KEK versions wrap nothing: withdraw their shares'
            : 'key rotation complete',
        );
        return { ...stopped, state: 'completed', rewrapped: step.rewrapped, retired: step.retired };
      }
      if (step.kind === 'batch') {
        batches++;
        opts.onBatch?.({ jobId: job.id, ...step.progress });
        if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
      }
    }
    return stopped;
  }

  /** The running job for the current version (resumed), a new one if records need it, or undefined. */
  private async openJob(): Promise<RotationJobRow | undefined> {
    const target = this.ring.currentVersion;
    return this.dataSource.transaction(async (m) => {
      await Jobs.lockDecision(m);
      const running = await Jobs.running(m);
      if (running?.target_kek_version === target) return running;
      if (running) {
        await Jobs.setState(m, running.id, 'superseded');
        const to = kekName(running.target_kek_version);
        this.logger.warn({ job: running.id, to }, 'rotation job superseded by a newer KEK');
      }
      const pending = await countWrappedByVersion(m);
      pending.delete(target);
      if (pending.size === 0) return undefined;
      const from = [...pending.keys()].sort((a, b) => a - b);
      const job = await Jobs.create(m, target, from);
      const total = [...pending.values()].reduce((a, b) => a + b, 0);
      const reason = `job ${job.id}: ${total} data keys from ${from.map(kekName).join(', ')} to ${kekName(target)}`;
      await this.audit.appendWithin(m, [
        { actor: ACTOR, action: 'rotation-start', token: null, result: 'ok', reason },
      ]);
      return job;
    });
  }

  private async step(
    m: EntityManager,
    jobId: string,
    opts: RotationRunOptions,
    batchesThisRun: number,
  ): Promise<Step> {
    const job = await Jobs.lock(m, jobId);
    if (!job || job.state !== 'running') return { kind: 'gone' };
    const target = job.target_kek_version;
    const rows = await Jobs.nextBatch(m, job.cursor_token, target, opts.batchSize);
    if (rows.length === 0) return this.endPass(m, job);

    const sealed = rows.map((r) =>
      rewrapDek(this.ring, r.token, { kekVersion: r.kek_version, dekSealed: r.dek_sealed }, target),
    );
    await Jobs.storeWrapped(
      m,
      rows.map((r) => r.token),
      sealed,
      target,
    );
    const last = rows[rows.length - 1]!.token;
    await Jobs.advance(m, job.id, last, rows.length);
    if (opts.failAfterBatches !== undefined && batchesThisRun >= opts.failAfterBatches) {
      throw new InjectedRotationFailure(`injected failure in batch ${batchesThisRun + 1} of this run`);
    }
    return {
      kind: 'batch',
      progress: { first: rows[0]!.token, last, count: rows.length, batches: job.batches + 1 },
    };
  }

  private async endPass(m: EntityManager, job: RotationJobRow): Promise<Step> {
    const left = await countWrappedByVersion(m);
    left.delete(job.target_kek_version);
    if (left.size > 0) {
      await Jobs.restartPass(m, job.id);
      return { kind: 'pass' };
    }
    const retired = await retireUnusedKeks(m, job.target_kek_version);
    await Jobs.setState(m, job.id, 'completed');
    const rewrapped = Number(job.rewrapped);
    const payload = {
      fromKekVersions: job.from_versions,
      toKekVersion: job.target_kek_version,
      rewrapped,
      retiredKekVersions: retired,
    };
    await emitKeysRotated(m, this.eventsTopic, payload, randomUUID());
    const reason =
      `job ${job.id}: ${rewrapped} data keys now under ${kekName(job.target_kek_version)}; ` +
      `retired: ${retired.map(kekName).join(', ') || 'none'}`;
    await this.audit.appendWithin(m, [
      { actor: ACTOR, action: 'rotation-complete', token: null, result: 'ok', reason },
    ]);
    return { kind: 'completed', rewrapped, retired };
  }

  /** Nothing to re-wrap: still mark versions that wrap nothing as retired (e.g. after a manual cleanup). */
  private async retireIdle(): Promise<void> {
    const retired = await this.dataSource.transaction((m) => retireUnusedKeks(m, this.ring.currentVersion));
    if (retired.length) {
      this.logger.info(
        { retired: retired.map(kekName) },
        'KEK versions wrap nothing and are retired: withdraw their shares',
      );
    }
  }
}
