import { mkdtemp, readFile, rm } from 'fs/promises';
import { tmpdir } from 'os';
import { join } from 'path';
import { freePort, TsProcess } from './processes';

export interface MerchantBundle {
  mchid: string;
  appid: string;
  publicKeyId: string;
  publicKeyFile: string;
  merchantSerial: string;
  merchantPrivateKeyFile: string;
  apiV3KeyFile: string;
}

/** One entry of the simulator's delivery log. */
export interface DeliveryAttempt {
  notificationId: string;
  eventType: string;
  outcome: number | string;
  delivered: boolean;
  signature: string;
  copy: string;
}

/** apps/wechatpay-sim as its own process on a free port, with its data (keys, state) in a temp folder. */
export class WechatPaySimProcess {
  url = '';
  bundlePath = '';
  bundle!: MerchantBundle;
  private proc?: TsProcess;
  private dir = '';

  static async start(env: Record<string, string> = {}): Promise<WechatPaySimProcess> {
    const s = new WechatPaySimProcess();
    s.dir = await mkdtemp(join(tmpdir(), 'wxpay-wxsim-'));
    const port = await freePort();
    s.url = `http://127.0.0.1:${port}`;
    s.proc = new TsProcess('wechatpay-sim', 'apps/wechatpay-sim/src/main.ts', {
      WECHATPAY_SIM_PORT: String(port),
      WECHATPAY_SIM_DATA_DIR: s.dir,
      // WeChat's retry schedule (15 s, 15 s, 30 s, 3 min …) a thousand times faster.
      WECHATPAY_SIM_TIME_SCALE: '0.001',
      WECHATPAY_SIM_NOTIFY_TIMEOUT_MS: '3000',
      LOG_LEVEL: 'warn',
      ...env,
    }).start();
    await s.proc.ready(`${s.url}/health/live`);
    s.bundlePath = join(s.dir, 'merchant-bundle.json');
    s.bundle = JSON.parse(await readFile(s.bundlePath, 'utf8')) as MerchantBundle;
    return s;
  }

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
  }

  /** The payer confirms in WeChat. */
  async pay(outTradeNo: string, openid?: string): Promise<void> {
    const r = await this.call('POST', `/sim/payer/orders/${outTradeNo}/pay`, openid ? { openid } : {});
    if (r.status >= 300) throw new Error(`pay refused: ${r.status} ${JSON.stringify(r.body)}`);
  }

  async fail(outTradeNo: string): Promise<void> {
    const r = await this.call('POST', `/sim/payer/orders/${outTradeNo}/fail`, {});
    if (r.status >= 300) throw new Error(`fail refused: ${r.status} ${JSON.stringify(r.body)}`);
  }

  async faults(body: Record<string, unknown>): Promise<void> {
    const r = await this.call('POST', '/sim/admin/faults', body);
    if (r.status >= 300) throw new Error(`faults refused: ${JSON.stringify(r.body)}`);
  }

  async clearFaults(): Promise<void> {
    await fetch(`${this.url}/sim/admin/faults`, { method: 'DELETE' });
  }

  async deliveries(): Promise<{ pending: number; log: DeliveryAttempt[] }> {
    return (await this.call<{ pending: number; log: DeliveryAttempt[] }>('GET', '/sim/admin/deliveries'))
      .body;
  }

  async order(outTradeNo: string): Promise<Record<string, unknown>> {
    return (await this.call('GET', `/sim/admin/orders/${outTradeNo}`)).body;
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
