/**
 * How a counterparty call can fail, as the lifecycle needs to tell them apart. Messages are fixed sentences and
 * public codes: never card data, keys or the counterparty's raw body.
 */

/** Nothing happened (connection refused, a read failed): safe to try again later. */
export class CounterpartyUnavailableError extends Error {
  override readonly name = 'CounterpartyUnavailableError';
  constructor(
    readonly counterparty: string,
    message: string,
  ) {
    super(`${counterparty}: ${message}`);
  }
}

/** A write may or may not have taken effect (timeout, lost answer): ask the counterparty before anything else. */
export class OutcomeUnknownError extends Error {
  override readonly name = 'OutcomeUnknownError';
  constructor(
    readonly counterparty: string,
    message: string,
  ) {
    super(`${counterparty}: ${message}`);
  }
}

/** A definitive refusal with the counterparty's code (e.g. WeChat Pay 400 PARAM_ERROR). */
export class CounterpartyRejectedError extends Error {
  override readonly name = 'CounterpartyRejectedError';
  constructor(
    readonly counterparty: string,
    readonly code: string,
    message: string,
  ) {
    super(`${counterparty} refused (${code}): ${message}`);
  }
}
