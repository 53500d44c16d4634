import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { databaseUrlFor, DatabaseUrlError } from './database-url';

describe('databaseUrlFor', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'db-url-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const secret = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it("takes the service's own variable, then DATABASE_URL, then the local server with the service's database", () => {
    expect(
      databaseUrlFor('unionpay-sim', {
        UNIONPAY_SIM_DATABASE_URL: 'postgres://a/own',
        DATABASE_URL: 'postgres://a/all',
      }),
    ).toBe('postgres://a/own');
    expect(databaseUrlFor('payment', { DATABASE_URL: 'postgres://a/all' })).toBe('postgres://a/all');
    expect(databaseUrlFor('unionpay-sim', {})).toBe('postgres://postgres@127.0.0.1:5432/wxpay_unionpay_sim');
  });

  it('reads a URL from the file a _FILE variable names (a mounted secret), without its line end', () => {
    const file = secret('payment-url', 'postgres://payment:s3cret@db:5432/wxpay_payment\n');
    expect(
      databaseUrlFor('payment', { PAYMENT_DATABASE_URL_FILE: file, DATABASE_URL: 'postgres://a/all' }),
    ).toBe('postgres://payment:s3cret@db:5432/wxpay_payment');
    expect(databaseUrlFor('risk', { DATABASE_URL_FILE: file })).toBe(
      'postgres://payment:s3cret@db:5432/wxpay_payment',
    );
  });

  it('refuses a variable set both ways, an unreadable file and an empty one, naming the variable and never the URL', () => {
    const file = secret('url', 'postgres://payment:s3cret@db/x');
    const both = () =>
      databaseUrlFor('payment', {
        PAYMENT_DATABASE_URL: 'postgres://x:pw@h/db',
        PAYMENT_DATABASE_URL_FILE: file,
      });
    expect(both).toThrow(DatabaseUrlError);
    expect(both).toThrow(
      'PAYMENT_DATABASE_URL: set PAYMENT_DATABASE_URL or PAYMENT_DATABASE_URL_FILE, not both',
    );
    expect(() => databaseUrlFor('payment', { PAYMENT_DATABASE_URL_FILE: join(dir, 'missing') })).toThrow(
      `PAYMENT_DATABASE_URL_FILE: cannot read ${join(dir, 'missing')}`,
    );
    expect(() => databaseUrlFor('payment', { DATABASE_URL_FILE: secret('empty', '\n') })).toThrow(
      /DATABASE_URL_FILE: .* is empty/,
    );
    try {
      both();
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('s3cret');
      expect(String((e as Error).message)).not.toContain(':pw@');
    }
  });
});
