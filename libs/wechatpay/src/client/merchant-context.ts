import { type MerchantSigner } from '../signing/merchant-signer';
import { type Clock } from '../verification/clock';
import { type WechatPayKeyStore } from '../verification/key-store';
import { type ApiCaller } from './api-caller';

/** What every API area needs: who we are, how to call, which keys encrypt sensitive fields. */
export interface MerchantContext {
  readonly mchid: string;
  readonly appid: string;
  readonly caller: ApiCaller;
  readonly signer: MerchantSigner;
  readonly keyStore: WechatPayKeyStore;
  readonly clock: Clock;
}

/** Per-call options every API method accepts. */
export interface CallOptions {
  readonly signal?: AbortSignal;
}
