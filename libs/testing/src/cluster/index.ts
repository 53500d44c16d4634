// Apps of the cluster as their own processes, started the way `npm start` starts them (apps never import each
// other, so tests that need another app run it as a process).
export { freePort, freePortRun, TsProcess } from './processes';
export { ClusterApp } from './app-process';
export { WechatPaySimProcess, type DeliveryAttempt, type MerchantBundle } from './wechatpay-sim.process';
export { UnionPaySimProcess, type CardAccount } from './unionpay-sim.process';
