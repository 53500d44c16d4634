/**
 * Why a request got no usable answer on a connection. `not-sent`: nothing left this process (safe to retry);
 * `rejected`: the switch refused the message at format level (header reject code), nothing was processed;
 * `timeout` / `connection-lost`: the outcome at the switch is unknown (financial requests get reversed).
 */
export type ExchangeFailure = 'not-sent' | 'rejected' | 'timeout' | 'connection-lost';

export class ExchangeError extends Error {
  override readonly name = 'ExchangeError';

  constructor(
    readonly failure: ExchangeFailure,
    message: string,
    readonly rejectCode?: string,
  ) {
    super(message);
  }
}
