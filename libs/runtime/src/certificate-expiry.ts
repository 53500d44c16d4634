import { X509Certificate } from 'node:crypto';
import { type Metrics } from '@wxpay/observability';

export const CERTIFICATE_EXPIRY_SECONDS = 'wxpay_tls_certificate_expiry_seconds';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The earliest end of validity among the certificates of a PEM file: the leaf and the chain it carries (an
 * expired intermediate breaks the handshake as surely as an expired leaf). Undefined when nothing parses.
 */
export function earliestNotAfter(pem: Buffer | string): Date | undefined {
  let earliest: Date | undefined;
  for (const block of pem.toString().match(PEM_BLOCK) ?? []) {
    try {
      const notAfter = new Date(new X509Certificate(block).validTo);
      if (!earliest || notAfter < earliest) earliest = notAfter;
    } catch {
      // A block that does not parse is the TLS stack's to refuse; it has no expiry to report.
    }
  }
  return earliest;
}

/**
 * `wxpay_tls_certificate_expiry_seconds{use}`: seconds until the certificate the service presents expires,
 * computed at each scrape from the end of validity read when the material was loaded (a value set once at start
 * would stand still while the deadline comes closer). Negative once expired. The files are read once at start,
 * as the TLS stack does, so a certificate renewed on disk shows after the restart that also loads it.
 */
export function reportCertificateExpiry(
  metrics: Metrics,
  use: string,
  pem: Buffer | string,
  now: () => number = Date.now,
): Date | undefined {
  const notAfter = earliestNotAfter(pem);
  if (!notAfter) return undefined;
  const expiries = (certificateExpiries.get(metrics) ?? new Map<string, Date>()).set(use, notAfter);
  certificateExpiries.set(metrics, expiries);
  metrics.gauge({
    name: CERTIFICATE_EXPIRY_SECONDS,
    help: 'Seconds until the TLS certificate this service presents (or the chain it sends) expires',
    labelNames: ['use'],
    collect() {
      for (const [u, at] of certificateExpiries.get(metrics) ?? []) {
        this.set({ use: u }, Math.round((at.getTime() - now()) / 1000));
      }
    },
  });
  return notAfter;
}

/** Per registry, because the gauge's collect() is fixed when it is first registered. */
const certificateExpiries = new WeakMap<Metrics, Map<string, Date>>();
