import { grow } from '../../core/index.ts';
import type { SequenceStats } from './stats.ts';

/**
 * The online model's per-shopper columns, shopper keys interned to dense indexes: each shopper's
 * current and previous stored segment (-1: none), the current one's length, its last item and the
 * last (time, event id) seen. Segments are cut at `segmentLength` items; a history is the last
 * `historyLength` items, from at most two segments.
 */
export class ShopperColumns {
  private readonly keys = new Map<string, number>();
  cur = new Int32Array(256).fill(-1);
  prev = new Int32Array(256).fill(-1);
  len = new Int32Array(256);
  last = new Int32Array(256);
  lastTs = new Float64Array(256);
  readonly lastId: string[] = [];
  /** Scratch for `history`. */
  private readonly hist: Int32Array;

  constructor(
    private readonly st: SequenceStats,
    readonly segmentLength: number,
    readonly historyLength: number,
  ) {
    this.hist = new Int32Array(historyLength);
  }

  /** Shoppers interned. */
  get count(): number {
    return this.keys.size;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** The shopper's index, interning a new key. */
  index(key: string): number {
    let s = this.keys.get(key);
    if (s === undefined) {
      s = this.keys.size;
      this.keys.set(key, s);
      this.cur = grow(this.cur, s + 1, -1);
      this.prev = grow(this.prev, s + 1, -1);
      this.len = grow(this.len, s + 1);
      this.last = grow(this.last, s + 1);
      this.lastTs = grow(this.lastTs, s + 1);
    }
    return s;
  }

  /** The index of a shopper with a stored sequence, else -1. */
  find(key: string): number {
    const s = this.keys.get(key);
    return s === undefined || (this.cur[s] as number) < 0 ? -1 : s;
  }

  /** Whether (ts, id) comes after the last (time, id) seen for shopper s. */
  after(s: number, ts: number, id: string): boolean {
    const t = this.lastTs[s] as number;
    return !(ts < t || (ts === t && id <= (this.lastId[s] as string)));
  }

  seen(s: number, ts: number, id: string): void {
    this.lastTs[s] = ts;
    this.lastId[s] = id;
  }

  /**
   * Appends `item` to shopper s's stored sequence in the statistics, starting a segment when it has
   * none or the current one is full; false (nothing appended) when it repeats the shopper's last item.
   */
  extend(s: number, item: number): boolean {
    const { st, cur, len } = this;
    let seq = cur[s] as number;
    if (seq < 0) {
      seq = st.begin();
      cur[s] = seq;
    } else {
      if (this.last[s] === item) return false;
      if ((len[s] as number) >= this.segmentLength) {
        this.prev[s] = seq;
        seq = st.begin();
        cur[s] = seq;
        len[s] = 0;
      }
    }
    st.append(seq, item);
    len[s] = (len[s] as number) + 1;
    this.last[s] = item;
    return true;
  }

  /** Shopper s's last `historyLength` items, oldest first (a view of reused scratch); s has a sequence. */
  history(s: number): Int32Array {
    const { st, hist, historyLength } = this;
    const n = this.len[s] as number;
    const fromCur = Math.min(n, historyLength);
    const p = this.prev[s] as number;
    const fromPrev = p < 0 ? 0 : Math.min(historyLength - fromCur, this.segmentLength);
    if (fromPrev > 0) {
      const ps = st.sequence(p) as Int32Array;
      hist.set(ps.subarray(ps.length - fromPrev), 0);
    }
    const cs = st.sequence(this.cur[s] as number) as Int32Array;
    hist.set(cs.subarray(n - fromCur), fromPrev);
    return hist.subarray(0, fromPrev + fromCur);
  }
}
