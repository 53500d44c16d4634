import { type SimConfig } from './config/sim-config';

/** The validated config as an injectable (Nest resolves providers by class). */
export class SimSettings {
  constructor(readonly config: SimConfig) {}

  /** A simulated duration in WeChat seconds, as real milliseconds after time scaling. */
  scaledMs(seconds: number): number {
    return Math.max(0, Math.round(seconds * 1000 * this.config.timeScale));
  }
}
