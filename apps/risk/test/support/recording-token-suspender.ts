import { type SuspendRequest, type TokenSuspender } from '../../src/ports/token-suspender.port';

/** Stand-in for TokenVault.SuspendToken: records calls; can be told to fail the next ones. */
export class RecordingTokenSuspender implements TokenSuspender {
  readonly calls: SuspendRequest[] = [];
  failNext = 0;

  async suspend(request: SuspendRequest): Promise<void> {
    this.calls.push(request);
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('vault unavailable');
    }
  }
}
