import { type Counter, type Histogram, LATENCY_BUCKETS_SECONDS, type Metrics } from '@wxpay/observability';

/** The channel's metrics, or no-ops when the caller passed no registry. */
export interface ChannelMetrics {
  requestFinished(kind: string, outcome: string, responseCode: string, seconds: number): void;
  answerIgnored(kind: string): void;
}

export function channelMetrics(metrics: Metrics | undefined): ChannelMetrics {
  if (!metrics) return { requestFinished: () => undefined, answerIgnored: () => undefined };
  const requests: Counter<'kind' | 'outcome' | 'response_code'> = metrics.counter({
    name: 'unionpay_channel_requests_total',
    help: 'Financial requests sent over the UnionPay channel, by kind, outcome and response code',
    labelNames: ['kind', 'outcome', 'response_code'],
  });
  const latency: Histogram<'kind'> = metrics.histogram({
    name: 'unionpay_channel_request_seconds',
    help: 'Time from the call to its typed result, request log included',
    labelNames: ['kind'],
    buckets: [...LATENCY_BUCKETS_SECONDS],
  });
  const ignored: Counter<'kind'> = metrics.counter({
    name: 'unionpay_channel_ignored_answers_total',
    help: 'Answers recognised as late, duplicate or unknown and not applied',
    labelNames: ['kind'],
  });
  return {
    requestFinished(kind, outcome, responseCode, seconds) {
      requests.inc({ kind, outcome, response_code: responseCode });
      latency.observe({ kind }, seconds);
    },
    answerIgnored: (kind) => ignored.inc({ kind }),
  };
}
