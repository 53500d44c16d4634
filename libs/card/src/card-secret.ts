import { inspect } from 'node:util';

const REDACTED = 'CardSecret(<redacted>)';

/**
 * A card number with its expiry, held only for the one call that needs them (an authorisation, a credit).
 *
 * The values live in private fields and leave only through the getters, so the object cannot print or
 * serialise them by accident: it has no own properties (Object.keys/entries, spread, Object.assign,
 * structuredClone and v8 serialisation see an empty object), and toString, template strings, toJSON
 * (JSON.stringify of any object holding it) and util.inspect (console.log, pino's fallbacks) give a fixed
 * placeholder. Instances are frozen.
 */
export class CardSecret {
  readonly #pan: string;
  readonly #expiryMonth: string;
  readonly #expiryYear: string;

  constructor(pan: string, expiryMonth: string, expiryYear: string) {
    this.#pan = pan;
    this.#expiryMonth = expiryMonth;
    this.#expiryYear = expiryYear;
    Object.freeze(this);
  }

  get pan(): string {
    return this.#pan;
  }
  get expiryMonth(): string {
    return this.#expiryMonth;
  }
  get expiryYear(): string {
    return this.#expiryYear;
  }

  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  /** `${card}`, `'' + card` and any other conversion to a primitive. */
  [Symbol.toPrimitive](): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}
