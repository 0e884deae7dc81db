import { hash32, type Scored } from '../core/index.ts';

/** `a` ranks before `b`: higher count, then smaller id (every read is deterministic). */
const ranksBefore = (ca: number, ka: string, cb: number, kb: string): boolean => ca > cb || (ca === cb && ka < kb);

/**
 * Counts of an item's neighbours (or a token's clicked items), bounded: past `max` entries the
 * lowest is dropped; on a tie the earliest inserted goes, so a new neighbour displaces an old one of
 * equal weight. A count that falls to zero or below is removed.
 *
 * Parallel plain arrays in insertion order, searched by a hash of the key: with at most `max + 1`
 * entries a scan over contiguous small integers beats a Map per item, and it runs several times per
 * event. Keeping insertion order makes the tie rule the first of the lowest counts and the snapshot
 * order the array order, with no sequence numbers to sort. Plain arrays grow in place on the heap;
 * typed arrays would put thousands of small off-heap buffers before the collector.
 *
 * A full list drops an entry at nearly every new key: the position of the earliest lowest count is
 * kept between adds, so that drop rarely scans every count.
 */
export class BoundedCounts {
  private readonly keys: string[] = [];
  /** hash32 of the key, reduced to 30 bits so the array stays one of small integers. */
  private readonly hashes: number[] = [];
  private readonly counts: number[] = [];
  /** Index of the earliest of the lowest counts; -1 when not known (the next drop scans). */
  private low = -1;

  get size(): number {
    return this.keys.length;
  }

  get(key: string): number | undefined {
    const i = this.find(key, keyHash(key));
    return i < 0 ? undefined : this.counts[i];
  }

  add(key: string, by: number, max: number): void {
    const h = keyHash(key);
    const i = this.find(key, h);
    const counts = this.counts;
    if (i >= 0) {
      const was = counts[i] as number;
      const v = was + by;
      if (v <= 0) this.removeAt(i);
      else {
        counts[i] = v;
        this.changed(i, was, v);
      }
      return;
    }
    if (by <= 0) return;
    this.keys.push(key);
    this.hashes.push(h);
    counts.push(by);
    // The newest entry is the earliest lowest only when strictly lower than every other.
    if (this.low >= 0 && by < (counts[this.low] as number)) this.low = counts.length - 1;
    while (this.keys.length > max) this.removeAt(this.lowest());
  }

  /**
   * The `n` highest counts, highest first, ties by id. A partial selection: only the `n` kept are
   * ordered and only they become objects.
   */
  top(n: number): Scored[] {
    const size = this.keys.length;
    const k = Math.min(n, size);
    if (k <= 0) return [];
    const keys = this.keys;
    const counts = this.counts;
    // The best k so far as indices, best first; an entry enters by insertion from the tail.
    const best: number[] = [];
    for (let i = 0; i < size; i++) {
      const c = counts[i] as number;
      const key = keys[i] as string;
      let at = best.length;
      if (at === k) {
        const last = best[k - 1] as number;
        if (!ranksBefore(c, key, counts[last] as number, keys[last] as string)) continue;
        at = k - 1;
      } else {
        best.push(i);
      }
      while (at > 0) {
        const prev = best[at - 1] as number;
        if (!ranksBefore(c, key, counts[prev] as number, keys[prev] as string)) break;
        best[at] = prev;
        at--;
      }
      best[at] = i;
    }
    const out = new Array<Scored>(k);
    for (let j = 0; j < k; j++) {
      const i = best[j] as number;
      out[j] = { id: keys[i] as string, score: counts[i] as number };
    }
    return out;
  }

  /** Entries in insertion order (a snapshot keeps it, and with it the tie rule). */
  entries(): [string, number][] {
    const out = new Array<[string, number]>(this.keys.length);
    for (let i = 0; i < out.length; i++) out[i] = [this.keys[i] as string, this.counts[i] as number];
    return out;
  }

  static from(entries: readonly (readonly [string, number])[]): BoundedCounts {
    const b = new BoundedCounts();
    for (const [k, v] of entries) b.add(k, v, Number.MAX_SAFE_INTEGER);
    return b;
  }

  private find(key: string, h: number): number {
    const hashes = this.hashes;
    const n = hashes.length;
    for (let i = 0; i < n; i++) if (hashes[i] === h && this.keys[i] === key) return i;
    return -1;
  }

  /** The earliest inserted of the lowest counts: entries are in insertion order, so the first. */
  private lowest(): number {
    if (this.low >= 0) return this.low;
    const counts = this.counts;
    let at = 0;
    let low = counts[0] as number;
    for (let i = 1; i < counts.length; i++) {
      const c = counts[i] as number;
      if (c < low) {
        low = c;
        at = i;
      }
    }
    this.low = at;
    return at;
  }

  /** Keeps `low` right after the count of entry `i` (still present) went from `was` to `v`. */
  private changed(i: number, was: number, v: number): void {
    const low = this.low;
    if (low < 0) return;
    if (i === low) {
      // Raised, another may be lowest now; lowered, it still is.
      if (v > was) this.low = -1;
      return;
    }
    const c = this.counts[low] as number;
    if (v < c || (v === c && i < low)) this.low = i;
  }

  /** Removes entry `i`, keeping the order of the rest (at most `max` moves of small values). */
  private removeAt(i: number): void {
    const keys = this.keys;
    const hashes = this.hashes;
    const counts = this.counts;
    const gone = counts[i] as number;
    const last = keys.length - 1;
    for (let j = i; j < last; j++) {
      keys[j] = keys[j + 1] as string;
      hashes[j] = hashes[j + 1] as number;
      counts[j] = counts[j + 1] as number;
    }
    keys.pop();
    hashes.pop();
    counts.pop();
    const low = this.low;
    if (low > i) this.low = low - 1;
    else if (low === i) {
      // Every entry before `i` counts more than the lowest did: the next earliest lowest, if one
      // has that same count, is the first such from `i` on.
      this.low = -1;
      for (let j = i; j < last; j++) {
        if (counts[j] === gone) {
          this.low = j;
          break;
        }
      }
    }
  }
}

const keyHash = (key: string): number => hash32(key) & 0x3fffffff;

export function topOf(m: BoundedCounts | undefined, n: number): Scored[] {
  return m === undefined ? [] : m.top(n);
}
