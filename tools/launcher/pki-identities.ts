import { KAFKA_SUPER_USERS } from '@wxpay/contracts';
import type { AppManifest } from './manifest';

/**
 * Callers of the cluster that are not apps of this repository, issued by the services CA beside the apps:
 * `channel`, the bank's channel backend (the identity outside callers such as `npm run demo` use), `console`, the
 * operations console, and `card-system`, the issuer's card system (statements for callers without Kafka).
 */
export const OUTSIDE_CALLERS: readonly string[] = ['channel', 'console', 'card-system'];

/**
 * Who gets a certificate in the dev PKI of these apps: simulators from the counterparty CA, the rest from the
 * services CA, including the Kafka cluster's own identities (`kafka`, the brokers; `kafka-admin`, topics and
 * ACLs), which every secured broker of this repository (the local one, compose's) runs with.
 */
export function devPkiIdentities(manifests: readonly AppManifest[]): {
  services: string[];
  simulators: string[];
} {
  return {
    services: [
      ...manifests.filter((m) => !m.simulator).map((m) => m.name),
      ...OUTSIDE_CALLERS,
      ...KAFKA_SUPER_USERS,
    ],
    simulators: manifests.filter((m) => m.simulator).map((m) => m.name),
  };
}
