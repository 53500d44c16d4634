/** See test-topics.js. */
export declare function ownTopicPrefix(
  env: Readonly<Record<string, string | undefined>>,
  now?: number,
): Record<string, string>;
