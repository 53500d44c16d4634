import { type WorkingKeys } from '../security/working-keys';

/**
 * The working keys in use: the current generation signs outgoing messages; the previous one still verifies
 * answers to requests sent just before a key exchange.
 */
export class KeyRing {
  #current?: WorkingKeys;
  #previous?: WorkingKeys;

  get current(): WorkingKeys | undefined {
    return this.#current;
  }

  install(keys: WorkingKeys): void {
    const current = this.#current;
    if (current && current.generation === keys.generation && current.macKey.equals(keys.macKey)) return;
    if (current && current.generation !== keys.generation) this.#previous = current;
    this.#current = keys;
  }

  forGeneration(generation: number): WorkingKeys | undefined {
    if (this.#current?.generation === generation) return this.#current;
    if (this.#previous?.generation === generation) return this.#previous;
    return undefined;
  }
}
