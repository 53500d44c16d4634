import {
  eventSignerFromEnv,
  EventSigningConfigError,
  eventVerifierFromEnv,
  EVENT_SIGNING_ENV,
  requiresEventSigning,
  type EventSigner,
  type EventVerifier,
  type ProducersOf,
} from '@wxpay/messaging';
import { ConfigError } from './config';
import { DevSwitches, refuseDevSwitches } from './gateway-env';

function asConfigError<T>(service: string, load: () => T): T {
  try {
    return load();
  } catch (e) {
    if (e instanceof EventSigningConfigError) throw new ConfigError(service, [...e.problems]);
    throw e;
  }
}

/**
 * The signer of a service's outbox relay. A service whose topics someone consumes must sign in production (its
 * consumers refuse unsigned events, so starting without a key would only fill their DLQs); in development it may
 * run without one, and its events are then refused the same way. Services nobody consumes sign when given a key.
 */
export function eventSignerForService(
  service: string,
  env: NodeJS.ProcessEnv = process.env,
): EventSigner | undefined {
  if (requiresEventSigning(service)) {
    refuseDevSwitches(
      service,
      [
        DevSwitches.unset(
          EVENT_SIGNING_ENV.keyFile,
          `${service}'s events are consumed by services that refuse unsigned ones`,
        ),
      ],
      env,
    );
  }
  return asConfigError(service, () => eventSignerFromEnv(service, env));
}

/** The verifier of a consuming service; EVENT_SIGNERS_FILE is required in every environment (no switch turns it off). */
export function eventVerifierForService(
  service: string,
  env: NodeJS.ProcessEnv = process.env,
  producersOf?: ProducersOf,
): EventVerifier {
  return asConfigError(service, () => eventVerifierFromEnv(env, producersOf));
}
