/**
 * The Kafka client library, @platformatic/kafka: only libs/messaging/src/client touches it, and libs/messaging
 * exports its own types, so the rest of the gateway never depends on the library's API.
 */
import * as platformatic from '@platformatic/kafka';

export { platformatic };
export type * as Platformatic from '@platformatic/kafka';
