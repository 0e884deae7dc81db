import { grow } from '../../core/index.ts';
import { BlockArena, offsetOf, pageOf } from './arena.ts';

/**
 * Count rows, one per item: the other items it leads to (co-occurrence, or transitions at one gap)
 * with an integer count each, as interleaved (id, count) pairs in first-insertion order. That is the
 * order a Map would iterate in, so scores summed over a row add the same floats in the same order as
 * a Map row would; a flat array iterates several times faster and takes less memory.
 *
 * A row is one arena block: 2 * cap slots of pairs, and past LINEAR entries another 2 * cap slots
 * of open-addressing index (linear probing, slot = entry + 1, 0 = empty), so a lookup costs O(1)
 * and the index never fills past half. Small rows are scanned instead. A full row moves to a block
 * of twice the entries and rebuilds its index there.
 */
export interface CountTable {
  /** Distinct ids in row i (0: no row). */
  size(i: number): number;
  /** Sum of row i's counts (exact: counts are integers). */
  total(i: number): number;
  /** The page holding row i: pairs page[offset + 2k] = id, page[offset + 2k + 1] = count, k < size. */
  page(i: number): Int32Array;
  offset(i: number): number;
  /** The count of `id` in row i (0 when absent). */
  count(i: number, id: number): number;
  /** Row i as a Map, in the same order (a snapshot), or undefined when it has no entries. */
  toMap(i: number): Map<number, number> | undefined;
}

export interface MutableCountTable extends CountTable {
  /** Adds one to the count of `id` in row i (a new id goes last). */
  bump(i: number, id: number): void;
  /** Makes room for rows up to `items`. */
  fit(items: number): void;
}

/** Rows this small are scanned, not indexed: a scan of a cache line or two beats hashing. */
const LINEAR = 8;
const MIN_ENTRIES = 2;
/** Fibonacci hashing multiplier (2^32 / golden ratio), as a signed 32-bit integer. */
const GOLDEN = -1640531535;

/** Slots of a row block holding `cap` entries. */
const blockSlots = (cap: number): number => (cap > LINEAR ? 4 * cap : 2 * cap);

/** The table's state: per row, the address of its block, its entries, their capacity and its total. */
interface Rows {
  readonly arena: BlockArena;
  readonly pages: Int32Array[];
  address: Int32Array<ArrayBuffer>;
  sizes: Int32Array<ArrayBuffer>;
  caps: Int32Array<ArrayBuffer>;
  totals: Float64Array<ArrayBuffer>;
}

/** Entry of `id` in row i, or -1. */
function find(r: Rows, i: number, id: number): number {
  const n = r.sizes[i] as number;
  if (n === 0) return -1;
  const a = r.address[i] as number;
  const page = r.pages[pageOf(a)] as Int32Array;
  const o = offsetOf(a);
  const cap = r.caps[i] as number;
  if (cap <= LINEAR) {
    for (let k = 0; k < n; k++) if (page[o + 2 * k] === id) return k;
    return -1;
  }
  const ix = o + 2 * cap;
  const mask = 2 * cap - 1;
  for (let h = Math.imul(id, GOLDEN) >>> Math.clz32(mask); ; h = (h + 1) & mask) {
    const slot = page[ix + h] as number;
    if (slot === 0) return -1;
    if (page[o + 2 * (slot - 1)] === id) return slot - 1;
  }
}

/** Indexes entry k (id) of a row at offset o with `cap` entries. */
function index(page: Int32Array, o: number, cap: number, id: number, k: number): void {
  const ix = o + 2 * cap;
  const mask = 2 * cap - 1;
  let h = Math.imul(id, GOLDEN) >>> Math.clz32(mask);
  while (page[ix + h] !== 0) h = (h + 1) & mask;
  page[ix + h] = k + 1;
}

/** Moves row i to a block of `cap` entries (copying its pairs, rebuilding its index). */
function move(r: Rows, i: number, cap: number): void {
  const n = r.sizes[i] as number;
  const old = r.caps[i] as number;
  const b = r.arena.allocate(blockSlots(cap));
  const page = r.pages[pageOf(b)] as Int32Array;
  const o = offsetOf(b);
  if (old > 0) {
    const a = r.address[i] as number;
    const from = offsetOf(a);
    page.set((r.pages[pageOf(a)] as Int32Array).subarray(from, from + 2 * n), o);
    r.arena.release(a, blockSlots(old));
  }
  if (cap > LINEAR) {
    page.fill(0, o + 2 * cap, o + 4 * cap);
    for (let k = 0; k < n; k++) index(page, o, cap, page[o + 2 * k] as number, k);
  }
  r.address[i] = b;
  r.caps[i] = cap;
}

/** Adds one to the count of `id` in row i; a new id goes last, moving a full row to a larger block. */
function bump(r: Rows, i: number, id: number): void {
  r.totals[i] = (r.totals[i] as number) + 1;
  const k = find(r, i, id);
  if (k >= 0) {
    const a = r.address[i] as number;
    const page = r.pages[pageOf(a)] as Int32Array;
    const at = offsetOf(a) + 2 * k + 1;
    page[at] = (page[at] as number) + 1;
    return;
  }
  const n = r.sizes[i] as number;
  const cap = r.caps[i] as number;
  if (n === cap) move(r, i, cap === 0 ? MIN_ENTRIES : 2 * cap);
  const a = r.address[i] as number;
  const page = r.pages[pageOf(a)] as Int32Array;
  const o = offsetOf(a);
  page[o + 2 * n] = id;
  page[o + 2 * n + 1] = 1;
  r.sizes[i] = n + 1;
  if ((r.caps[i] as number) > LINEAR) index(page, o, r.caps[i] as number, id, n);
}

/** Row columns up to index `items`. */
function fit(r: Rows, items: number): void {
  r.address = grow(r.address, items + 1);
  r.sizes = grow(r.sizes, items + 1);
  r.caps = grow(r.caps, items + 1);
  r.totals = grow(r.totals, items + 1);
}

export function createCountTable(items: number, arena = new BlockArena()): MutableCountTable {
  const r: Rows = {
    arena,
    pages: arena.pages,
    address: new Int32Array(items + 1),
    sizes: new Int32Array(items + 1),
    caps: new Int32Array(items + 1),
    totals: new Float64Array(items + 1),
  };
  const table: MutableCountTable = {
    size: (i) => (i >= 0 && i < r.sizes.length ? (r.sizes[i] as number) : 0),
    total: (i) => (i >= 0 && i < r.totals.length ? (r.totals[i] as number) : 0),
    page: (i) => r.pages[pageOf(r.address[i] as number)] as Int32Array,
    offset: (i) => offsetOf(r.address[i] as number),
    count(i, id) {
      const k = i >= 0 && i < r.sizes.length ? find(r, i, id) : -1;
      return k < 0 ? 0 : (table.page(i)[table.offset(i) + 2 * k + 1] as number);
    },
    toMap(i) {
      const n = table.size(i);
      if (n === 0) return undefined;
      const page = table.page(i);
      const o = table.offset(i);
      const m = new Map<number, number>();
      for (let k = 0; k < n; k++) m.set(page[o + 2 * k] as number, page[o + 2 * k + 1] as number);
      return m;
    },
    bump: (i, id) => bump(r, i, id),
    fit: (n) => fit(r, n),
  };
  return table;
}
