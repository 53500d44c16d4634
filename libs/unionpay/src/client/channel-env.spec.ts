import { join } from 'path';
import { channelTlsFiles } from './channel-env';

describe('channelTlsFiles', () => {
  const base = { PKI_DIR: '/pki' };

  it("trusts the dev PKI's counterparty CA for the switch, never the cluster root, and presents the service's pair", () => {
    expect(channelTlsFiles(base, 'repayment')).toEqual({
      ca: join('/pki', 'sim-ca.crt'),
      cert: join('/pki', 'repayment.crt'),
      key: join('/pki', 'repayment.key'),
    });
  });

  it('takes each UNIONPAY_TLS_* file over the PKI_DIR default', () => {
    expect(
      channelTlsFiles(
        {
          ...base,
          UNIONPAY_TLS_CA: '/up/ca.pem',
          UNIONPAY_TLS_CERT: '/up/c.pem',
          UNIONPAY_TLS_KEY: '/up/k.pem',
        },
        'payment',
      ),
    ).toEqual({ ca: '/up/ca.pem', cert: '/up/c.pem', key: '/up/k.pem' });
    expect(channelTlsFiles({ ...base, UNIONPAY_TLS_CA: '/up/ca.pem' }, 'payment').cert).toBe(
      join('/pki', 'payment.crt'),
    );
  });
});
