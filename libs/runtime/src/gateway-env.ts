import { ConfigError } from './config';

/**
 * GATEWAY_ENV says where a process runs. Production is the default, so a deployment that forgets the variable
 * gets the strict rules; `development` (set by `npm start`, the compose dev profile and the test harnesses) is the
 * one place where switches that are only safe on a developer's machine may be on.
 */
export type GatewayEnv = 'production' | 'development';

export function gatewayEnvOf(source: NodeJS.ProcessEnv = process.env): GatewayEnv {
  const value = source.GATEWAY_ENV || 'production';
  if (value === 'production' || value === 'development') return value;
  throw new ConfigError('gateway', ['GATEWAY_ENV: must be production or development']);
}

/** A setting that is only safe in development; `isOn` reads its raw value from the environment. */
export interface DevSwitch {
  variable: string;
  isOn: (value: string | undefined) => boolean;
  /** Why it is unsafe, for the refusal (never the value: it may be a path to a key or a token). */
  what: string;
}

const OFF = /^(off|false|0)$/i;
const ON = /^(on|true|1)$/i;

/** The switches several services share. */
export const DevSwitches = {
  plaintextGrpc: {
    variable: 'GRPC_TLS',
    isOn: (v) => v !== undefined && OFF.test(v),
    what: 'gRPC without TLS: callers are not authenticated and every method is open',
  },
  plaintextKafka: {
    variable: 'KAFKA_SECURITY_PROTOCOL',
    isOn: (v) => v !== undefined && /^plaintext$/i.test(v),
    what: 'Kafka without TLS: events travel in the clear and any client may write them',
  },
  /** A flag variable that is on when set to on/true/1. */
  flag: (variable: string, what: string): DevSwitch => ({
    variable,
    isOn: (v) => v !== undefined && ON.test(v),
    what,
  }),
  /** A variable that must not be set at all outside development. */
  set: (variable: string, what: string): DevSwitch => ({ variable, isOn: (v) => !!v, what }),
  /** A variable that must be set outside development (an admin token, say). */
  unset: (variable: string, what: string): DevSwitch => ({ variable, isOn: (v) => !v, what }),
} satisfies Record<string, DevSwitch | ((...args: string[]) => DevSwitch)>;

/**
 * Refuses to start a service outside development while any of its dev switches is on, naming each one, so that
 * a development setting copied into a production environment stops the process instead of opening it.
 */
export function refuseDevSwitches(
  service: string,
  switches: readonly DevSwitch[],
  source: NodeJS.ProcessEnv = process.env,
): GatewayEnv {
  const mode = gatewayEnvOf(source);
  if (mode === 'development') return mode;
  const on = switches.filter((s) => s.isOn(source[s.variable] || undefined));
  if (on.length) {
    throw new ConfigError(service, [
      ...on.map((s) => `${s.variable}: ${s.what} (a development switch)`),
      'GATEWAY_ENV: production (the default) refuses the development switches above; ' +
        'set GATEWAY_ENV=development on a developer machine only',
    ]);
  }
  return mode;
}
