import { hash32, type Scored } from '../core/index.ts';

/**
 * Counts of an item's neighbours (or a token's clicked items), bounded: past `max` entries the
 * lowest is dropped; on a tie the earliest inserted goes, so a new neighbour displaces an old one of
 * equal weight. A count that falls to zero or below is removed.
 *
 * Parallel arrays searched by a 32-bit hash of the key: with at most `max + 1` entries a scan over
 * contiguous numbers beats a Map per item, and it runs several times per event. Removal moves the
 * last entry into the hole; a sequence number per entry keeps the insertion order for the tie rule.
 */
export class BoundedCounts {
  private readonly keys: string[] = [];
  private hashes = new Int32Array(4);
  private counts = new Float64Array(4);
  private seqs = new Float64Array(4);
  private nextSeq = 0;

  get size(): number {
    return this.keys.length;
  }

  get(key: string): number | undefined {
    const i = this.find(key, hash32(key) | 0);
    return i < 0 ? undefined : this.counts[i];
  }

  add(key: string, by: number, max: number): void {
    const h = hash32(key) | 0;
    const i = this.find(key, h);
    if (i >= 0) {
      const v = (this.counts[i] as number) + by;
      if (v <= 0) this.removeAt(i);
      else this.counts[i] = v;
      return;
    }
    if (by <= 0) return;
    const n = this.keys.length;
    if (n === this.counts.length) this.grow();
    this.keys.push(key);
    this.hashes[n] = h;
    this.counts[n] = by;
    this.seqs[n] = this.nextSeq++;
    while (this.keys.length > max) this.removeAt(this.lowest());
  }

  /** The `n` highest counts, highest first, ties by id. */
  top(n: number): Scored[] {
    if (n <= 0) return [];
    const all: Scored[] = new Array<Scored>(this.keys.length);
    for (let i = 0; i < all.length; i++) all[i] = { id: this.keys[i] as string, score: this.counts[i] as number };
    all.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return all.length > n ? all.slice(0, n) : all;
  }

  /** Entries in insertion order (a snapshot keeps it, and with it the tie rule). */
  entries(): [string, number][] {
    const order = Array.from(this.keys.keys()).sort((a, b) => (this.seqs[a] as number) - (this.seqs[b] as number));
    return order.map((i) => [this.keys[i] as string, this.counts[i] as number]);
  }

  static from(entries: readonly (readonly [string, number])[]): BoundedCounts {
    const b = new BoundedCounts();
    for (const [k, v] of entries) b.add(k, v, Number.MAX_SAFE_INTEGER);
    return b;
  }

  private find(key: string, h: number): number {
    const n = this.keys.length;
    const hashes = this.hashes;
    for (let i = 0; i < n; i++) if (hashes[i] === h && this.keys[i] === key) return i;
    return -1;
  }

  /** The earliest inserted of the lowest counts. */
  private lowest(): number {
    const counts = this.counts;
    const seqs = this.seqs;
    let at = 0;
    let low = counts[0] as number;
    for (let i = 1; i < this.keys.length; i++) {
      const c = counts[i] as number;
      if (c < low || (c === low && (seqs[i] as number) < (seqs[at] as number))) {
        low = c;
        at = i;
      }
    }
    return at;
  }

  private removeAt(i: number): void {
    const last = this.keys.length - 1;
    if (i !== last) {
      this.keys[i] = this.keys[last] as string;
      this.hashes[i] = this.hashes[last] as number;
      this.counts[i] = this.counts[last] as number;
      this.seqs[i] = this.seqs[last] as number;
    }
    this.keys.pop();
  }

  private grow(): void {
    const cap = this.counts.length * 2;
    const hashes = new Int32Array(cap);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const counts = new Float64Array(cap);
    counts.set(this.counts);
    this.counts = counts;
    const seqs = new Float64Array(cap);
    seqs.set(this.seqs);
    this.seqs = seqs;
  }
}

export function topOf(m: BoundedCounts | undefined, n: number): Scored[] {
  return m === undefined ? [] : m.top(n);
}
