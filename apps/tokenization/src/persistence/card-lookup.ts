import { type DataSource } from 'typeorm';
import { Batcher } from '../support/batcher';
import { CardRepository, type CardRow } from './card.repository';

/**
 * Read coalescing for the hot path (Detokenize, GetCard): lookups that arrive while reads are in flight go
 * together in the next one, as `token = ANY($1)`, which saves PostgreSQL and driver work per call under load.
 * Each lookup is sent after it arrived, so it sees every change committed before the call (a suspension is
 * never missed).
 */
export class CardLookup {
  private readonly batcher: Batcher<string, CardRow | undefined>;

  constructor(dataSource: DataSource) {
    this.batcher = new Batcher(
      async (tokens) => {
        const rows = await CardRepository.findMany(dataSource.manager, [...new Set(tokens)]);
        const byToken = new Map(rows.map((r) => [r.token, r]));
        return tokens.map((t) => byToken.get(t));
      },
      { maxInFlight: 2, maxBatch: 256 },
    );
  }

  find(token: string): Promise<CardRow | undefined> {
    return this.batcher.submit(token);
  }
}
