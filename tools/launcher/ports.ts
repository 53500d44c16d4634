import { createServer } from 'net';
import { type AppManifest } from './manifest';

export interface ListenAddress {
  app: string;
  /** The setting that names the port, e.g. PAYMENT_GRPC_PORT. */
  variable: string;
  host: string;
  port: number;
}

/**
 * Where each app will listen: every `<X>_PORT` of its launch.json with its `<X>_HOST`, the launcher's own
 * environment winning as it does for the apps themselves.
 */
export function listenAddresses(apps: readonly AppManifest[], env: NodeJS.ProcessEnv): ListenAddress[] {
  return apps.flatMap((m) =>
    Object.keys(m.env)
      .filter((k) => k.endsWith('_PORT'))
      .map((variable) => {
        const hostVar = `${variable.slice(0, -'_PORT'.length)}_HOST`;
        return {
          app: m.name,
          variable,
          host: env[hostVar] ?? m.env[hostVar] ?? '127.0.0.1',
          port: Number(env[variable] ?? m.env[variable]),
        };
      })
      .filter((a) => Number.isInteger(a.port) && a.port > 0),
  );
}

/** The addresses something already listens on (tried by binding them for a moment). */
export async function addressesInUse(addresses: readonly ListenAddress[]): Promise<ListenAddress[]> {
  const taken: ListenAddress[] = [];
  for (const a of addresses) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen({ host: a.host, port: a.port, exclusive: true }, () => probe.close(() => resolve(true)));
    });
    if (!free) taken.push(a);
  }
  return taken;
}

/**
 * The app's readiness check at the port it will really listen on: launch.json names the default port in its URL
 * (or host:port), and a `<X>_PORT` given to the launcher moves the app, so the check moves with it instead of
 * asking whatever else answers on the default port (another cluster's app, for one).
 */
export function readinessOf(m: AppManifest, env: NodeJS.ProcessEnv): AppManifest['ready'] {
  const moved = (target: string): string => {
    const match = /^(.*:)(\d+)(\/.*)?$/.exec(target);
    if (!match) return target;
    const variable = Object.keys(m.env).find((k) => k.endsWith('_PORT') && m.env[k] === match[2]);
    const port = variable ? env[variable] : undefined;
    return port ? `${match[1]}${port}${match[3] ?? ''}` : target;
  };
  return {
    ...(m.ready.http ? { http: moved(m.ready.http) } : {}),
    ...(m.ready.tcp ? { tcp: moved(m.ready.tcp) } : {}),
  };
}
