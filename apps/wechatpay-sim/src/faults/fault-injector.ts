import { z } from 'zod';

export const apiFaultSchema = z.object({
  kind: z.enum(['http5xx', 'http429', 'timeout', 'signtest', 'bad-signature']),
  /** How many matching calls it hits. */
  times: z.number().int().min(1).max(1000).default(1),
  method: z.string().toUpperCase().optional(),
  /** Matches the start of the path, e.g. "/v3/pay/transactions". */
  pathPrefix: z.string().startsWith('/').optional(),
  /** http5xx only: 500 (SYSTEM_ERROR), 502 or 503 (SERVICE_UNAVAILABLE). */
  status: z.union([z.literal(500), z.literal(502), z.literal(503)]).default(500),
  /** timeout only: how long the call hangs before the connection is dropped without an answer. */
  hangMs: z.number().int().min(1).max(600_000).default(30_000),
});
export type ApiFault = z.infer<typeof apiFaultSchema>;

export const notificationFaultsSchema = z.object({
  /** The next notification is delivered this many more times, one after another, after it succeeded. */
  duplicate: z.number().int().min(0).max(20).optional(),
  /** The next notification's first attempt goes out this many times at once (several WeChat servers). */
  concurrent: z.number().int().min(0).max(20).optional(),
  /** Hold the next N notifications and deliver them in reverse order (out-of-order delivery). */
  reverseNext: z.number().int().min(0).max(50).optional(),
  /** Delay the next notification's first attempt by this many ms (not time-scaled). */
  delayMs: z.number().int().min(0).max(600_000).optional(),
  /** The next N delivery attempts carry a `WECHATPAY/SIGNTEST/` probe signature. */
  signtestAttempts: z.number().int().min(0).max(100).optional(),
  /** The next N delivery attempts carry a signature that does not verify. */
  badSignatureAttempts: z.number().int().min(0).max(100).optional(),
});
export type NotificationFaults = z.infer<typeof notificationFaultsSchema>;

export const faultsRequestSchema = z.object({
  api: z.array(apiFaultSchema).default([]),
  notifications: notificationFaultsSchema.default({}),
  /** End states for the next refunds (default SUCCESS). */
  refundOutcomes: z.array(z.enum(['SUCCESS', 'ABNORMAL', 'CLOSED'])).default([]),
});
export type FaultsRequest = z.infer<typeof faultsRequestSchema>;

export type SignatureFault = 'signtest' | 'bad-signature' | undefined;

/** Faults engineers and tests arm through /sim/admin/faults; each is consumed as it fires. */
export class FaultInjector {
  private api: Array<ApiFault & { left: number }> = [];
  private duplicate = 0;
  private concurrent = 0;
  private reverseNext = 0;
  private delayMs = 0;
  private signtest = 0;
  private badSignature = 0;
  private refundOutcomes: Array<'SUCCESS' | 'ABNORMAL' | 'CLOSED'> = [];

  arm(req: FaultsRequest): void {
    this.api.push(...req.api.map((f) => ({ ...f, left: f.times })));
    const n = req.notifications;
    this.duplicate += n.duplicate ?? 0;
    this.concurrent += n.concurrent ?? 0;
    this.reverseNext += n.reverseNext ?? 0;
    this.delayMs = n.delayMs ?? this.delayMs;
    this.signtest += n.signtestAttempts ?? 0;
    this.badSignature += n.badSignatureAttempts ?? 0;
    this.refundOutcomes.push(...req.refundOutcomes);
  }

  clear(): void {
    this.api = [];
    this.duplicate =
      this.concurrent =
      this.reverseNext =
      this.delayMs =
      this.signtest =
      this.badSignature =
        0;
    this.refundOutcomes = [];
  }

  describe(): Record<string, unknown> {
    return {
      api: this.api.map(({ left, ...f }) => ({ ...f, left })),
      notifications: {
        duplicate: this.duplicate,
        concurrent: this.concurrent,
        reverseNext: this.reverseNext,
        delayMs: this.delayMs,
        signtestAttempts: this.signtest,
        badSignatureAttempts: this.badSignature,
      },
      refundOutcomes: this.refundOutcomes,
    };
  }

  /** A fault that replaces the call's processing (5xx, 429, hang), if one is armed for it. */
  takeCallFault(method: string, path: string): ApiFault | undefined {
    return this.take(method, path, (k) => k === 'http5xx' || k === 'http429' || k === 'timeout');
  }

  /** A fault on the answer's signature, if one is armed for this call. */
  takeResponseSignatureFault(method: string, path: string): SignatureFault {
    const f = this.take(method, path, (k) => k === 'signtest' || k === 'bad-signature');
    return f?.kind === 'signtest' || f?.kind === 'bad-signature' ? f.kind : undefined;
  }

  takeNotificationSignatureFault(): SignatureFault {
    if (this.signtest > 0) {
      this.signtest--;
      return 'signtest';
    }
    if (this.badSignature > 0) {
      this.badSignature--;
      return 'bad-signature';
    }
    return undefined;
  }

  /** Per new notification: extra copies, parallel copies, first-attempt delay, and whether to hold it back. */
  takeNewNotificationFaults(): {
    duplicate: number;
    concurrent: number;
    delayMs: number;
    holdForReverse: boolean;
  } {
    const out = {
      duplicate: this.duplicate,
      concurrent: this.concurrent,
      delayMs: this.delayMs,
      holdForReverse: false,
    };
    this.duplicate = this.concurrent = this.delayMs = 0;
    if (this.reverseNext > 0) {
      this.reverseNext--;
      out.holdForReverse = true;
    }
    return out;
  }

  /** True while more notifications are still to be held for a reversed release. */
  holdingForReverse(): boolean {
    return this.reverseNext > 0;
  }

  takeRefundOutcome(): 'SUCCESS' | 'ABNORMAL' | 'CLOSED' {
    return this.refundOutcomes.shift() ?? 'SUCCESS';
  }

  private take(method: string, path: string, kinds: (k: ApiFault['kind']) => boolean): ApiFault | undefined {
    const i = this.api.findIndex(
      (f) =>
        kinds(f.kind) &&
        (!f.method || f.method === method.toUpperCase()) &&
        (!f.pathPrefix || path.startsWith(f.pathPrefix)),
    );
    if (i < 0) return undefined;
    const f = this.api[i];
    if (--f.left <= 0) this.api.splice(i, 1);
    return f;
  }
}
