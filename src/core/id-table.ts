import { hash32 } from './random.ts';

/** Ids (event ids) in arrival order, first in first out: past `limit` the oldest id is forgotten. */
export interface IdTable {
  has(id: string): boolean;
  /** Whether the id was new (an id already remembered changes nothing). */
  add(id: string): boolean;
  /** Oldest first. */
  ordered(): Generator<string>;
  readonly size: number;
}

/** murmur3's finisher over FNV-1a: FNV's low bits alone are poor table positions for ids that differ at the end. */
function idHash(id: string): number {
  let h = hash32(id);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * An open-addressing table (linear probing, load at most one half) over a ring of the ids in
 * arrival order. A slot is two neighbouring integers of one Int32Array, the id's position in the
 * ring + 1 (0: empty) and its 32-bit hash, so a lookup reads one cache line of the table and touches
 * a string only when the hashes match: a Set of millions of strings costs several cache misses per
 * lookup, and the stores check every event (`add` checks and inserts with one probe). With a
 * `limit`, the oldest id leaves when a new one would exceed it.
 */
export function createIdTable(limit = Infinity): IdTable {
  // `head` is the oldest once the ring is full.
  const ring: string[] = [];
  let head = 0;
  let mask = 1023;
  let table = new Int32Array(2 * (mask + 1));

  /** The slot of `id`, or the empty slot that ends its probe run (then `table[2 * slot]` is 0). */
  const slotOf = (id: string, h: number): number => {
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const at = table[2 * i] as number;
      if (at === 0 || (table[2 * i + 1] === h && ring[at - 1] === id)) return i;
    }
  };
  const put = (i: number, at: number, h: number): void => {
    table[2 * i] = at;
    table[2 * i + 1] = h;
  };
  const place = (h: number, at: number): void => {
    let i = h & mask;
    while (table[2 * i] !== 0) i = (i + 1) & mask;
    put(i, at, h);
  };
  /** Empties slot `i`, moving later entries of the probe run back so that no lookup stops short. */
  const vacate = (i: number): void => {
    table[2 * i] = 0;
    for (let j = (i + 1) & mask; table[2 * j] !== 0; j = (j + 1) & mask) {
      const h = table[2 * j + 1] as number;
      const home = h & mask;
      // Entry j may move to i when its home is not cyclically within (i, j].
      if (i <= j ? home > i && home <= j : home > i || home <= j) continue;
      put(i, table[2 * j] as number, h);
      table[2 * j] = 0;
      i = j;
    }
  };
  const grow = (): void => {
    const old = table;
    mask = mask * 2 + 1;
    table = new Int32Array(2 * (mask + 1));
    for (let s = 0; s < old.length; s += 2) if (old[s] !== 0) place(old[s + 1] as number, old[s] as number);
  };

  return {
    has: (id) => table[2 * slotOf(id, idHash(id))] !== 0,
    add(id) {
      const h = idHash(id);
      const i = slotOf(id, h);
      if (table[2 * i] !== 0) return false;
      if (ring.length < limit) {
        ring.push(id);
        if (ring.length * 2 > mask + 1) {
          grow();
          place(h, ring.length);
        } else put(i, ring.length, h);
        return true;
      }
      // The oldest id leaves first; its slot may be the one found for `id`'s run, so look again.
      const oldest = ring[head] as string;
      vacate(slotOf(oldest, idHash(oldest)));
      ring[head] = id;
      place(h, head + 1);
      head = head + 1 === limit ? 0 : head + 1;
      return true;
    },
    *ordered() {
      for (let i = 0; i < ring.length; i++) yield ring[(head + i) % ring.length] as string;
    },
    get size() {
      return ring.length;
    },
  };
}

