/** Injection tokens for the shared runtime providers. */
export const LOGGER = Symbol('LOGGER');
export const METRICS = Symbol('METRICS');
export const HEALTH = Symbol('HEALTH');
export const DATA_SOURCE = Symbol('DATA_SOURCE');
export const KAFKA = Symbol('KAFKA');
