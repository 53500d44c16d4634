/** How a request ended, remembered so that a second answer for it is recognised without a database read. */
export type RecentOutcome = 'answered' | 'timed-out';

/** A bounded, insertion-ordered map: the oldest entries go first. */
export class RecentOutcomes {
  readonly #map = new Map<string, RecentOutcome>();

  constructor(private readonly capacity: number) {}

  set(key: string, outcome: RecentOutcome): void {
    this.#map.delete(key);
    this.#map.set(key, outcome);
    if (this.#map.size > this.capacity) this.#map.delete(this.#map.keys().next().value as string);
  }

  get(key: string): RecentOutcome | undefined {
    return this.#map.get(key);
  }
}
