/**
 * WeChat Pay's documented re-delivery schedule after a failed or slow answer: 15 retries after the first
 * attempt, 24 h 4 min in total (sheet §4). Seconds of simulated time; the dispatcher applies the time scale.
 */
export const RETRY_DELAYS_SECONDS: readonly number[] = [
  15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
];

export const MAX_RETRIES = RETRY_DELAYS_SECONDS.length;
