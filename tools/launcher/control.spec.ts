import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { type Server } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { requestRestart, serveControl, type RestartRequest } from './control';

describe("the running launcher's control socket", () => {
  let dir: string;
  let path: string;
  let server: Server | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'launcher-control-'));
    path = join(dir, 'launcher.sock');
  });
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it("hands the launcher the request and the caller the progress lines and the launcher's answer", async () => {
    const seen: RestartRequest[] = [];
    server = await serveControl(path, async (request, progress) => {
      seen.push(request);
      progress('stopping payment');
      progress('payment is ready');
      if (request.env.FAIL) throw new Error('payment did not start: exited before it became ready');
    });
    const lines: string[] = [];
    await requestRestart(path, { restart: 'payment', env: { LOG_LEVEL: 'debug' } }, (l) => lines.push(l));
    expect(seen).toEqual([{ restart: 'payment', env: { LOG_LEVEL: 'debug' } }]);
    expect(lines).toEqual(['stopping payment', 'payment is ready']);
    await expect(
      requestRestart(path, { restart: 'payment', env: { FAIL: '1' } }, () => undefined),
    ).rejects.toThrow('payment did not start: exited before it became ready');
  });

  it('says so when no launcher runs, and takes over a socket file a killed launcher left', async () => {
    await expect(requestRestart(path, { restart: 'payment', env: {} }, () => undefined)).rejects.toThrow(
      'no cluster is running from this workspace (start one with npm start)',
    );
    writeFileSync(path, '');
    server = await serveControl(path, async () => undefined);
    await expect(
      requestRestart(path, { restart: 'risk', env: {} }, () => undefined),
    ).resolves.toBeUndefined();
    await expect(serveControl(path, async () => undefined)).rejects.toThrow(/another launcher answers/);
  });
});
