import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMetrics } from '@wxpay/observability';
import { earliestNotAfter, reportCertificateExpiry } from './certificate-expiry';

const DAY = 86_400;

/** A self-signed certificate valid for `days` (openssl, as the dev PKI generator uses). */
function certificate(dir: string, name: string, days: number): string {
  execFileSync(
    'openssl',
    [
      'req',
      ...['-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
      ...['-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`)],
      ...['-days', String(days), '-subj', `/CN=${name}`],
    ],
    { stdio: 'ignore' },
  );
  return readFileSync(join(dir, `${name}.crt`), 'utf8');
}

describe('TLS certificate expiry gauge', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'cert-expiry-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports the seconds left on the earliest certificate of the chain, counted at scrape time', async () => {
    const leaf = certificate(dir, 'leaf', 30);
    const intermediate = certificate(dir, 'intermediate', 10);
    let now = Date.now();
    const metrics = createMetrics({ service: 'payment', defaultMetrics: false });

    const notAfter = reportCertificateExpiry(metrics, 'grpc', leaf + intermediate, () => now);
    expect(notAfter).toEqual(earliestNotAfter(intermediate));

    const seconds = async () =>
      Number(
        /^wxpay_tls_certificate_expiry_seconds\{use="grpc",service="payment"\} (-?\d+)$/m.exec(
          await metrics.registry.metrics(),
        )?.[1],
      );
    const first = await seconds();
    expect(first).toBeGreaterThan(10 * DAY - 120);
    expect(first).toBeLessThanOrEqual(10 * DAY);
    now += 3 * DAY * 1000;
    expect(await seconds()).toBe(first - 3 * DAY);
  });

  it('reports nothing for material without a certificate', async () => {
    const metrics = createMetrics({ service: 'risk', defaultMetrics: false });
    expect(reportCertificateExpiry(metrics, 'grpc', 'not a certificate')).toBeUndefined();
    expect(await metrics.registry.metrics()).not.toContain('wxpay_tls_certificate_expiry_seconds');
  });
});
