import type * as Platformatic from '@platformatic/kafka';

/**
 * The Kafka client library, @platformatic/kafka. It is published as ES modules only; Node 22 loads those with
 * require(), but Jest's module registry (CommonJS through SWC) cannot, so it is loaded with Node's own require:
 * the same module in tests, `npm start` and the images. Only libs/messaging/src/client touches it.
 */
const nodeRequire = process.getBuiltinModule('module').createRequire(__filename);

export const platformatic = nodeRequire('@platformatic/kafka') as typeof Platformatic;
export type { Platformatic };
