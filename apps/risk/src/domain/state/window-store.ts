import { KeyWindow } from './key-window';
import {
  HORIZON_MS,
  WINDOW_ENTITIES,
  type WindowEntity,
  type WindowField,
  type WindowKind,
} from './window-kinds';

export interface WindowStoreStats {
  keys: Record<WindowEntity, number>;
  bucketedKeys: number;
  evicted: number;
}

/**
 * Velocity windows per card, device, IP and merchant. Memory is bounded: keys idle for longer than the horizon are
 * dropped by `sweep` (their windows are empty anyway), and a full map evicts its oldest-inserted keys first
 * (approximately the least recently active), counted in `evicted`.
 */
export class WindowStore {
  private readonly maps: Record<WindowEntity, Map<string, KeyWindow>> = {
    card: new Map(),
    device: new Map(),
    ip: new Map(),
    merchant: new Map(),
  };
  private evicted = 0;
  private latestAt = 0;

  constructor(private readonly maxKeysPerEntity = 500_000) {}

  add(entity: WindowEntity, key: string, kind: WindowKind, count: number, amount: number, at: number): void {
    if (!key) return;
    if (at > this.latestAt) this.latestAt = at;
    const map = this.maps[entity];
    let w = map.get(key);
    if (!w) {
      if (map.size >= this.maxKeysPerEntity) this.makeRoom(map);
      w = new KeyWindow();
      map.set(key, w);
    }
    w.add(kind, count, amount, at);
  }

  sum(
    entity: WindowEntity,
    key: string,
    kind: WindowKind,
    field: WindowField,
    spanMs: number,
    at: number,
  ): number {
    const w = this.maps[entity].get(key);
    return w ? w.sum(kind, field, spanMs, at) : 0;
  }

  /** Drops keys whose latest event is older than the horizon before `now`; returns how many. */
  sweep(now: number): number {
    const cutoff = now - HORIZON_MS;
    let dropped = 0;
    for (const entity of WINDOW_ENTITIES) {
      for (const [key, w] of this.maps[entity]) {
        if (w.lastAt <= cutoff) {
          this.maps[entity].delete(key);
          dropped++;
        } else if (!w.bucketed) {
          w.prune();
        }
      }
    }
    return dropped;
  }

  stats(): WindowStoreStats {
    let bucketedKeys = 0;
    const keys = { card: 0, device: 0, ip: 0, merchant: 0 };
    for (const entity of WINDOW_ENTITIES) {
      keys[entity] = this.maps[entity].size;
      for (const w of this.maps[entity].values()) if (w.bucketed) bucketedKeys++;
    }
    return { keys, bucketedKeys, evicted: this.evicted };
  }

  private makeRoom(map: Map<string, KeyWindow>): void {
    const cutoff = this.latestAt - HORIZON_MS;
    for (const [key, w] of map) if (w.lastAt <= cutoff) map.delete(key);
    if (map.size < this.maxKeysPerEntity) return;
    // Still full of live keys: drop the oldest-inserted 1 % in one pass rather than one key per insert.
    let toDrop = Math.max(1, Math.floor(this.maxKeysPerEntity / 100));
    for (const key of map.keys()) {
      if (toDrop-- <= 0) break;
      map.delete(key);
      this.evicted++;
    }
  }
}
