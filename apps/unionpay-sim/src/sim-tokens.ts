/** Injection tokens of values built before the Nest app (config, keys, TLS material). */
export const SIM_CONFIG = Symbol('SIM_CONFIG');
export const SIM_KEYS = Symbol('SIM_KEYS');
export const SERVER_TLS = Symbol('SERVER_TLS');
