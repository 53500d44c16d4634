import { Sm2PublicKey } from '@wxpay/gm-crypto';
import { type Logger } from '@wxpay/observability';
import {
  generateWorkingKeys,
  keyCheckValue,
  nextGeneration,
  NO_KEYS_KCV,
  type WorkingKeys,
} from '@wxpay/unionpay';
import { type DataSource } from 'typeorm';

interface Institution {
  code: string;
  publicKey: Sm2PublicKey;
  current?: WorkingKeys;
  previous?: WorkingKeys;
}

/**
 * Acquirers allowed to sign on (code → registered SM2 public key, persisted) and their working keys, one set
 * per institution shared by all its connections and processes. A key request hands out the current set (issuing
 * one if there is none); only the switch rotates (admin API), and the previous generation stays valid so the
 * messages in flight and the processes that have not yet noticed keep working. Working keys live in memory
 * only: after a restart the switch holds none and says so in its sign-on answer (KCV 00000000).
 */
export class InstitutionRegistry {
  readonly #institutions = new Map<string, Institution>();

  constructor(
    private readonly ds: DataSource,
    private readonly logger: Logger,
  ) {}

  async load(): Promise<void> {
    const rows: { code: string; sm2_public_key: string }[] = await this.ds.query(
      `SELECT code, sm2_public_key FROM sim_institution`,
    );
    for (const r of rows)
      this.#institutions.set(r.code, { code: r.code, publicKey: Sm2PublicKey.fromHex(r.sm2_public_key) });
  }

  async register(code: string, publicKey: Sm2PublicKey): Promise<void> {
    await this.ds.query(
      `INSERT INTO sim_institution (code, sm2_public_key) VALUES ($1, $2)
       ON CONFLICT (code) DO UPDATE SET sm2_public_key = EXCLUDED.sm2_public_key`,
      [code, publicKey.toHex()],
    );
    const existing = this.#institutions.get(code);
    if (existing && existing.publicKey.equals(publicKey)) return;
    this.#institutions.set(code, { code, publicKey });
    this.logger.info({ institution: code }, 'institution registered');
  }

  list(): { code: string; sm2PublicKey: string; keyGeneration: number | null; macKeyKcv: string }[] {
    return [...this.#institutions.values()].map((i) => ({
      code: i.code,
      sm2PublicKey: i.publicKey.toHex(),
      keyGeneration: i.current?.generation ?? null,
      macKeyKcv: this.macKeyKcv(i.code),
    }));
  }

  publicKeyOf(code: string): Sm2PublicKey | undefined {
    return this.#institutions.get(code)?.publicKey;
  }

  /** The institution's current working keys, issued on first request. */
  currentKeys(code: string): WorkingKeys {
    return this.#institutions.get(code)?.current ?? this.rotateKeys(code);
  }

  /** New PIN/MAC/data keys for the institution; the current ones become the previous generation. */
  rotateKeys(code: string): WorkingKeys {
    const inst = this.#institutions.get(code);
    if (!inst) throw new Error('unknown institution');
    const keys = generateWorkingKeys(nextGeneration(inst.current?.generation ?? 0));
    inst.previous = inst.current;
    inst.current = keys;
    return keys;
  }

  keysFor(code: string, generation: number): WorkingKeys | undefined {
    const inst = this.#institutions.get(code);
    if (inst?.current?.generation === generation) return inst.current;
    if (inst?.previous?.generation === generation) return inst.previous;
    return undefined;
  }

  macKeyKcv(code: string): string {
    const current = this.#institutions.get(code)?.current;
    return current ? keyCheckValue(current.macKey) : NO_KEYS_KCV;
  }
}
