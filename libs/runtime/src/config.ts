import { z } from 'zod';

/** Every configuration problem at once, each naming its variable, so an operator fixes them in one pass. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly service: string,
    readonly problems: string[],
  ) {
    super(`${service}: invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/**
 * Parses environment variables with a zod object schema whose keys are the variable names. Messages never echo
 * the values (they may be secrets).
 */
export function parseEnv<S extends z.ZodObject>(
  service: string,
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    service,
    result.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`),
  );
}

/** Common field schemas for environment variables. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  host: (fallback = '127.0.0.1') => z.string().min(1).default(fallback),
  flag: (fallback: boolean) =>
    z
      .enum(['on', 'off', 'true', 'false', '1', '0'])
      .default(fallback ? 'on' : 'off')
      .transform((v) => v === 'on' || v === 'true' || v === '1'),
  /** A flag whose default depends on something else (undefined when unset). */
  optionalFlag: () =>
    z
      .enum(['on', 'off', 'true', 'false', '1', '0'])
      .optional()
      .transform((v) => (v === undefined ? undefined : v === 'on' || v === 'true' || v === '1')),
  list: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
  durationMs: (fallback: number) => z.coerce.number().int().min(0).default(fallback),
};

/**
 * parseEnv for settings that also have rules across variables: empty values count as unset, and the rules'
 * problems are reported together with the field problems, so an operator still fixes everything in one pass.
 */
export function parseEnvWithRules<S extends z.ZodObject>(
  service: string,
  schema: S,
  source: NodeJS.ProcessEnv,
  rules: (present: NodeJS.ProcessEnv) => string[],
): z.infer<S> {
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const cross = rules(present);
  let config: z.infer<S>;
  try {
    config = parseEnv(service, schema, present);
  } catch (e) {
    if (e instanceof ConfigError && cross.length) throw new ConfigError(service, [...e.problems, ...cross]);
    throw e;
  }
  if (cross.length) throw new ConfigError(service, cross);
  return config;
}
