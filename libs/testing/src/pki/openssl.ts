import { execFile } from 'node:child_process';
import { PkiError } from './pki-error';

const OPENSSL_TIMEOUT_MS = 30_000;

/** The OpenSSL binary: `OPENSSL_BIN` when set, else `openssl` from PATH. */
function opensslBinary(): string {
  return process.env.OPENSSL_BIN?.trim() || 'openssl';
}

/**
 * Runs `openssl <command...> <option value>...` with an argument list (no shell, so nothing in a name or path
 * is ever interpreted). Rejects with a PkiError carrying openssl's own complaint; openssl does not echo key
 * material in errors.
 */
export function runOpenssl(
  command: readonly string[],
  options: Readonly<Record<string, string>> = {},
): Promise<void> {
  const bin = opensslBinary();
  const args = [...command, ...Object.entries(options).flat()];
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: OPENSSL_TIMEOUT_MS, windowsHide: true }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        return reject(
          new PkiError(
            `"${bin}" not found: install the openssl CLI (Debian: apt-get install openssl) or set OPENSSL_BIN`,
          ),
        );
      }
      const reason = String(stderr).trim().split('\n').slice(0, 3).join(' | ') || err.message;
      reject(new PkiError(`openssl ${args[0]} failed: ${reason}`));
    });
  });
}
