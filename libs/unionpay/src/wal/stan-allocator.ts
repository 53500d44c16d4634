import { type DataSource } from 'typeorm';

/**
 * STANs (F11) from a database sequence, so they stay unique across restarts and across instances sharing the
 * request log. Fetched in blocks; numbers left unused at exit are simply skipped (unique, not contiguous).
 */
export class StanAllocator {
  #block: number[] = [];
  #refill?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly blockSize = 200,
  ) {}

  async next(): Promise<string> {
    while (this.#block.length === 0) {
      this.#refill ??= this.#fetch().finally(() => (this.#refill = undefined));
      await this.#refill;
    }
    return String(this.#block.shift()).padStart(6, '0');
  }

  async #fetch(): Promise<void> {
    const rows: { n: string }[] = await this.dataSource.query(
      `SELECT nextval('unionpay_stan_seq')::text AS n FROM generate_series(1, $1)`,
      [this.blockSize],
    );
    this.#block.push(...rows.map((r) => Number(r.n)));
  }
}
