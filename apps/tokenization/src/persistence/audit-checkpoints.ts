import { createSocket } from 'dgram';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'fs';
import { hostname } from 'os';
import { dirname } from 'path';
import { type Logger } from '@wxpay/observability';
import { type DataSource } from 'typeorm';
import { canonicalFields } from '../crypto/canonical';
import { type AuditMac } from '../domain/audit-entry';

/** Where the audit chain's head stood at a moment, as written outside the database. */
export interface AuditCheckpoint {
  seq: string;
  entryHash: Buffer;
  at: string;
}

function checkpointMac(mac: AuditMac, c: AuditCheckpoint): Buffer {
  return mac(canonicalFields(['audit-checkpoint-v1', c.seq, c.entryHash.toString('hex'), c.at]));
}

/** One line of the checkpoint file: the head and its MAC under the audit key (nobody without it can forge one). */
export function formatCheckpoint(mac: AuditMac, c: AuditCheckpoint): string {
  return JSON.stringify({
    seq: c.seq,
    entryHash: c.entryHash.toString('hex'),
    at: c.at,
    mac: checkpointMac(mac, c).toString('hex'),
  });
}

/** The last checkpoint whose MAC holds, and how many lines did not hold (forged or damaged). */
export function lastCheckpoint(text: string, mac: AuditMac): { last?: AuditCheckpoint; rejected: number } {
  let last: AuditCheckpoint | undefined;
  let rejected = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const j = JSON.parse(line) as { seq: string; entryHash: string; at: string; mac: string };
      const c = { seq: String(j.seq), entryHash: Buffer.from(j.entryHash, 'hex'), at: String(j.at) };
      if (!/^\d+$/.test(c.seq) || !checkpointMac(mac, c).equals(Buffer.from(j.mac, 'hex'))) throw new Error();
      if (!last || BigInt(c.seq) >= BigInt(last.seq)) last = c;
    } catch {
      rejected++;
    }
  }
  return { last, rejected };
}

export function readCheckpointFile(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/**
 * A syslog collector (a SIEM's intake) the checkpoints also go to: RFC 5424 over UDP, facility auth (4),
 * severity notice (5), app-name `wxpay-vault`, msgid `audit-checkpoint`, the checkpoint line as the message.
 * Written by hand: one formatted line on a datagram socket, a checkpoint every few seconds at most; the npm
 * syslog clients add transports and reconnection this does not need, and none is kept up more than this line.
 */
export class SyslogTarget {
  private readonly socket = createSocket('udp4');
  private readonly host: string;
  private readonly port: number;

  constructor(url: string) {
    const u = new URL(url);
    if (u.protocol !== 'udp:' || !u.hostname) throw new Error('the syslog target must be udp://host:port');
    this.host = u.hostname;
    this.port = Number(u.port || 514);
    this.socket.unref();
  }

  send(line: string, at: string): Promise<void> {
    const message = `<37>1 ${at} ${hostname()} wxpay-vault ${process.pid} audit-checkpoint - ${line}`;
    return new Promise((resolve, reject) =>
      this.socket.send(message, this.port, this.host, (e) => (e ? reject(e) : resolve())),
    );
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * Writes the audit chain's head outside the database, so that a tail cut by someone who can write the database
 * (trigger disabled, entries deleted, head moved back) shows against the last checkpoint (audit-verifier.ts):
 * appended to a file (opened for append only, synced before the next one), logged, which takes it to wherever
 * the service's logs go (the bank's log store), and sent to a syslog collector when one is set. Only when the
 * head moved since the last checkpoint.
 */
export class AuditCheckpointer {
  private lastSeq?: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly file: string,
    private readonly mac: AuditMac,
    private readonly logger: Logger,
    private readonly syslog?: SyslogTarget,
  ) {}

  async write(): Promise<AuditCheckpoint | undefined> {
    const [head] = (await this.dataSource.query(`SELECT seq, entry_hash FROM audit_head`)) as {
      seq: string;
      entry_hash: Buffer;
    }[];
    if (!head || head.seq === '0' || head.seq === this.lastSeq) return undefined;
    const checkpoint = { seq: head.seq, entryHash: head.entry_hash, at: new Date().toISOString() };
    const line = formatCheckpoint(this.mac, checkpoint);
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const fd = openSync(this.file, 'a', 0o600);
    try {
      writeSync(fd, `${line}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.lastSeq = head.seq;
    this.logger.info({ auditCheckpoint: JSON.parse(line) as unknown }, 'audit checkpoint');
    await this.syslog?.send(line, checkpoint.at);
    return checkpoint;
  }
}
