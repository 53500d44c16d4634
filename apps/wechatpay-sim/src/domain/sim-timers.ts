/** Named one-shot timers for simulated background work (refund completion, deduction processing). */
export class SimTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  /** Runs `work` at epoch ms `at` (now if past); replaces a timer with the same key. */
  at(key: string, at: number, work: () => void): void {
    if (this.closed) return;
    clearTimeout(this.timers.get(key));
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        work();
      },
      Math.max(0, at - Date.now()),
    );
    timer.unref();
    this.timers.set(key, timer);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
