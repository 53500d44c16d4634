import { readFile } from 'node:fs/promises';
import { type RunningSim } from '../src/sim-app';
import { removeDir, startTestSim, tempDataDir } from './support/sim-harness';

const TOKEN = 'admin-token-for-tests-only';
let dir: string;
let sim: RunningSim;

beforeAll(async () => {
  dir = await tempDataDir();
  sim = await startTestSim(dir, { WECHATPAY_SIM_ADMIN_TOKEN: TOKEN, WECHATPAY_SIM_KEY_MODE: 'certificate' });
});

afterAll(async () => {
  await sim.close();
  await removeDir(dir);
});

const admin = (path: string, init: RequestInit = {}, token: string | null = TOKEN) =>
  fetch(`${sim.url}/sim/admin${path}`, {
    ...init,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
  });

describe('admin and health endpoints', () => {
  it('serves liveness and readiness', async () => {
    expect(await (await fetch(`${sim.url}/health/live`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${sim.url}/health/ready`)).json()).toMatchObject({
      status: 'ready',
      keyMode: 'certificate',
    });
  });

  it('requires the bearer token when one is configured', async () => {
    expect((await admin('/merchant', {}, null)).status).toBe(401);
    expect((await admin('/merchant', {}, 'wrong-token-of-same-size!!')).status).toBe(401);
    expect((await admin('/merchant')).status).toBe(200);
  });

  it('hands out public material and secret file paths, never secret contents', async () => {
    const bundle = (await (await admin('/merchant')).json()) as Record<string, unknown>;
    expect(bundle).toMatchObject({
      keyMode: 'certificate',
      publicKeyId: expect.stringMatching(/^PUB_KEY_ID_\d{28}$/),
    });
    const apiV3Key = await readFile(bundle.apiV3KeyFile as string, 'utf8');
    const merchantKey = await readFile(bundle.merchantPrivateKeyFile as string, 'utf8');
    const text = JSON.stringify(bundle) + (await readFile(sim.keys.paths.bundle, 'utf8'));
    expect(text).not.toContain(apiV3Key);
    expect(text).not.toContain('PRIVATE KEY');
    expect(merchantKey).toContain('PRIVATE KEY');
  });

  it('switches the key mode and rotates certificates at runtime', async () => {
    const rotated = (await (
      await admin('/certificates/rotate', { method: 'POST', body: '{"activate":true}' })
    ).json()) as {
      serial: string;
    };
    const bundle = (await (await admin('/merchant')).json()) as {
      activePlatformSerial: string;
      platformCertificates: unknown[];
    };
    expect(bundle.activePlatformSerial).toBe(rotated.serial);
    expect(bundle.platformCertificates).toHaveLength(2); // the old one stays listed until it expires
    expect((await admin('/key-mode', { method: 'PUT', body: '{"mode":"migration"}' })).status).toBe(200);
    expect(sim.keys.keyMode).toBe('migration');
    expect((await admin('/key-mode', { method: 'PUT', body: '{"mode":"both"}' })).status).toBe(400);
  });

  it('arms, lists and clears faults', async () => {
    await admin('/faults', {
      method: 'POST',
      body: JSON.stringify({ api: [{ kind: 'http429', times: 2 }] }),
    });
    const armed = (await (await admin('/faults')).json()) as { api: Array<{ kind: string; left: number }> };
    expect(armed.api).toEqual([expect.objectContaining({ kind: 'http429', left: 2 })]);
    expect((await admin('/faults', { method: 'DELETE' })).status).toBe(204);
    expect(((await (await admin('/faults')).json()) as { api: unknown[] }).api).toEqual([]);
    expect((await admin('/faults', { method: 'POST', body: '{"api":[{"kind":"explode"}]}' })).status).toBe(
      400,
    );
  });
});
