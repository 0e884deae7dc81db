import { grow } from '../../core/index.ts';

/** (occurrences, id) of a before b in popularity order. */
function ahead(occ: Float64Array, a: number, b: number): boolean {
  const oa = occ[a] as number;
  const ob = occ[b] as number;
  return oa > ob || (oa === ob && a < b);
}

/**
 * The online model's per-item columns: item ids interned to dense integers (1 up; 0 is unused, as
 * the statistics number items), and the most popular items kept in popularity order (occurrences,
 * then id), which is the exact order of the untouched items' scores in a ranking.
 */
export class ItemColumns {
  private readonly ids = new Map<string, number>();
  /** Names by id (names[0] unused). */
  readonly names: string[] = [''];
  /** The kept items, most popular first: top[0 .. topLength). */
  readonly top: Int32Array;
  topLength = 0;
  /** Each item's position in `top`, -1 when it is not kept. */
  pos = new Int32Array(1024).fill(-1);
  /** The most occurrences of any item (the popularity term's norm). */
  maxOcc = 0;
  /** Scratch for `toIds`. */
  private scratch = new Int32Array(0);

  constructor(readonly popularKept: number) {
    this.top = new Int32Array(popularKept);
  }

  /** Items interned. */
  get count(): number {
    return this.names.length - 1;
  }

  /** The id of `name`, or undefined when it was never seen. */
  id(name: string): number | undefined {
    return this.ids.get(name);
  }

  intern(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
      this.pos = grow(this.pos, id + 1, -1);
    }
    return id;
  }

  /** The ids of the known names, in order (a view of reused scratch; unknown names are left out). */
  toIds(names: readonly string[]): Int32Array {
    if (this.scratch.length < names.length) this.scratch = new Int32Array(names.length);
    const out = this.scratch;
    let k = 0;
    for (const name of names) {
      const id = this.ids.get(name);
      if (id !== undefined) out[k++] = id;
    }
    return out.subarray(0, k);
  }

  /** Keeps `top` sorted after `item`'s count in `occ` went up by one (counts never go down). */
  bump(item: number, occ: Float64Array): void {
    const { top, pos, popularKept } = this;
    if ((occ[item] as number) > this.maxOcc) this.maxOcc = occ[item] as number;
    let p = pos[item] as number;
    if (p < 0) {
      if (this.topLength < popularKept) p = this.topLength++;
      else {
        const tail = top[popularKept - 1] as number;
        if (!ahead(occ, item, tail)) return;
        pos[tail] = -1;
        p = popularKept - 1;
      }
    }
    while (p > 0 && ahead(occ, item, top[p - 1] as number)) {
      const o = top[p - 1] as number;
      top[p] = o;
      pos[o] = p;
      p--;
    }
    top[p] = item;
    pos[item] = p;
  }
}
