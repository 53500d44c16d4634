/** Milliseconds since the epoch; injectable so the ±300 s window and refresh timers are testable. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

export function unixSeconds(clock: Clock): number {
  return Math.floor(clock() / 1000);
}
