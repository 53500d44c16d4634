import { type VaultConfig } from './config';

export const VAULT_OPTIONS = Symbol('VAULT_OPTIONS');

export interface VaultRunOptions {
  config: VaultConfig;
  /** Environment for TLS files and key shares given as variables (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
  /** The vault's clock (tests move it). */
  now?: () => Date;
}
