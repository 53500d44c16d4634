import { type SettlementLine } from '../../ports/channel.port';

/** Where the channel's daily settlement file comes from (an HTTP pull in dev; a file drop in production). */
export interface SettlementSource {
  lines(businessDate: string): Promise<SettlementLine[]>;
}
