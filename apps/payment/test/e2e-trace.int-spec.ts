import { eventually, OtlpReceiver, type ReceivedSpan } from '@wxpay/testing';
import { E2eCluster, type TestCard } from './support/e2e-cluster';

jest.setTimeout(240_000);

// OTLP's span kinds.
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

interface PaymentView {
  payment_id: string;
  out_trade_no: string;
  status: string;
}

/**
 * One card payment through the real services, each its own process exporting over OTLP to a receiver in this
 * test: payment, the vault and risk, with both simulators and real PostgreSQL and Kafka. The whole payment must be
 * one trace, from CreatePayment to the risk engine consuming the payment's captured event.
 */
describe('tracing one card payment across the cluster', () => {
  const receiver = new OtlpReceiver();
  let c: E2eCluster;
  let card: TestCard;

  beforeAll(async () => {
    await receiver.start();
    const otel = {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_TRACES_SAMPLER_ARG: '1',
    };
    c = new E2eCluster(otel, { realServices: true, serviceEnv: otel });
    await c.start('pay_e2e_trace');
    await c.startPaymentProcess();
    card = await c.seedCard();
  });
  afterAll(async () => {
    await c?.stop();
    await receiver.stop();
  });

  it('is one trace from CreatePayment through risk, the vault, UnionPay, WeChat Pay, the webhook, the capture and the risk consumer, in causal order', async () => {
    const { payment } = await c.call<{ payment: PaymentView }>(
      'CreatePayment',
      c.createRequest(card, 1888, { merchant_id: 'm-traced' }),
    );
    expect(payment.status).toBe('AWAITING_PAYER');
    await c.wechat.pay(payment.out_trade_no);
    await eventually(
      async () => ((await c.getPayment(payment.payment_id)) as unknown as PaymentView).status === 'CAPTURED',
      'captured',
      30_000,
    );

    const root = await eventually(
      async () => receiver.spans.find((s) => s.kind === SERVER && s.name.endsWith('/CreatePayment')),
      'the CreatePayment span',
      20_000,
    );
    const inTrace = () => receiver.trace(root.traceId);
    const find = (what: string, match: (s: ReceivedSpan) => boolean) =>
      eventually(async () => inTrace().find(match), what, 10_000);

    const capture = await find('the capture', (s) => s.service === 'payment' && s.name === 'payment capture');
    const riskConsumer = await find(
      'the risk consumer of the captured event',
      (s) =>
        s.service === 'risk' &&
        s.kind === CONSUMER &&
        s.name.endsWith('payments.lifecycle.v1 process') &&
        descendsFrom(s, capture, inTrace()),
    );
    const evaluate = await find(
      'risk Evaluate',
      (s) => s.service === 'risk' && s.kind === SERVER && s.name.endsWith('/Evaluate'),
    );
    const detokenize = await find(
      'the vault',
      (s) => s.service === 'tokenization' && s.kind === SERVER && s.name.endsWith('/Detokenize'),
    );
    const authorize = await find(
      'the UnionPay hold',
      (s) =>
        s.kind === CLIENT && s.attributes['peer.service'] === 'unionpay' && s.name === 'unionpay preauth',
    );
    const order = await find(
      'the WeChat Pay order',
      (s) =>
        s.kind === CLIENT &&
        s.attributes['peer.service'] === 'wechatpay' &&
        String(s.attributes['url.path']).startsWith('/v3/pay/transactions/'),
    );
    const webhook = await find('the webhook apply', (s) => s.name === 'payment webhook apply');
    const completion = await find(
      'the UnionPay completion',
      (s) => s.kind === CLIENT && s.name === 'unionpay completion' && descendsFrom(s, capture, inTrace()),
    );
    const publish = await find(
      "the captured event's publish",
      (s) => s.kind === PRODUCER && s.spanId === riskConsumer.parentSpanId,
    );

    const trace = inTrace();
    // One trace: every span but the root has its parent in it, and the root is the bank channel's call.
    expect(root.parentSpanId).toBeUndefined();
    for (const s of trace.filter((x) => x !== root)) {
      expect(trace.some((p) => p.spanId === s.parentSpanId)).toBe(true);
    }
    // Across processes: the risk and vault server spans are children of payment's client spans.
    for (const server of [evaluate, detokenize]) {
      const client = trace.find((s) => s.spanId === server.parentSpanId)!;
      expect({ kind: client.kind, service: client.service, name: client.name }).toEqual({
        kind: CLIENT,
        service: 'payment',
        name: server.name,
      });
    }
    // The captured event was written by the capture, published by the relay, consumed by risk.
    expect(publish.service).toBe('payment');
    expect(descendsFrom(publish, capture, trace)).toBe(true);
    // SQL is traced inside traced work: the driver was instrumented (tracing started before pg was loaded).
    expect(trace.some((s) => s.kind === CLIENT && isSql(s) && descendsFrom(s, capture, trace))).toBe(true);
    // The webhook came in a request of its own (WeChat Pay sends no trace context): the apply links to it.
    const intake = receiver.spans.find((s) => s.spanId === webhook.links[0]?.spanId);
    expect(intake).toMatchObject({
      kind: SERVER,
      service: 'payment',
      name: 'POST /notify/wechatpay/transactions',
    });
    expect(intake!.traceId).not.toBe(root.traceId);

    // Causal order: each step starts after the one it follows.
    const steps = [
      root,
      evaluate,
      detokenize,
      authorize,
      order,
      webhook,
      capture,
      completion,
      publish,
      riskConsumer,
    ];
    for (let i = 1; i < steps.length; i++) {
      expect({ step: steps[i]!.name, after: steps[i]!.startNs >= steps[i - 1]!.startNs }).toEqual({
        step: steps[i]!.name,
        after: true,
      });
    }

    // Nothing exported carries the card number, in any form the masking would miss.
    const exported = receiver.bodies.join('\n');
    expect(exported).not.toContain(card.pan);
    expect(exported.replace(/\D/g, '')).not.toContain(card.pan);
  });
});

/** A statement span of the pg instrumentation (either generation of OpenTelemetry's database conventions). */
function isSql(s: ReceivedSpan): boolean {
  return s.attributes['db.system.name'] === 'postgresql' || s.attributes['db.system'] === 'postgresql';
}

function descendsFrom(span: ReceivedSpan, ancestor: ReceivedSpan, trace: readonly ReceivedSpan[]): boolean {
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  for (let s: ReceivedSpan | undefined = span; s; s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined) {
    if (s.parentSpanId === ancestor.spanId) return true;
  }
  return false;
}
