import { badRequest } from '../../core/index.ts';
import { DEFAULT_PARAMS, createSequenceModel, type ModelParams, type SequenceModel } from './model.ts';
import { createSequenceStats, type SequenceStats } from './stats.ts';
import { createSparseScores } from './sparse.ts';

/**
 * The sequence model that `meridian evaluate` measures, kept per tenant and updated per event: item
 * ids and shopper keys are interned to integers, each interaction extends its shopper's stored
 * sequence in the shared statistics (./stats.ts), and scoring is the evaluated blend over the
 * same statistics, so a request ranks what evaluation ranks for the same history.
 *
 * Sequences follow the training data (src/batch/train-data.ts): views, clicks, carts and purchases
 * (./sequence.ts turns events into steps), keyed by shopper (`u:<user>` or `s:<session>`), a
 * repeat of the shopper's last item being one step.
 *
 * Caps, which change nothing for a shopper with at most `historyLength` items:
 * - a shopper's stored sequence is cut into segments of `segmentLength` (50) items: the
 *   co-occurrence work of one append grows with its segment's length, and a neighbour sequence is at
 *   most that long; pairs and gaps across a segment boundary are not counted;
 * - scoring reads the shopper's last `historyLength` (20) items, from at most two segments: the work
 *   of a request grows with the history, and older items weigh little (0.7^20 in the default
 *   item-kNN, e^-10 in the default neighbour weighting).
 * Evaluation gives the same numbers when it stores and reads sequences the same way.
 */
export interface OnlineSequenceOptions {
  /** The blend in service; read per request, so a new model's tuned parameters apply at once. */
  params?: () => ModelParams;
  segmentLength?: number;
  historyLength?: number;
  /** Transition gaps counted (the parameters use at most this many). */
  maxGap?: number;
  /** Most popular items kept in order for the popularity part of the ranking. */
  popularKept?: number;
}

/** Items left out of a ranking: a set of ids or a predicate. */
export type Skip = ReadonlySet<string> | ((id: string) => boolean);

export interface SequenceHit {
  id: string;
  score: number;
}

export interface OnlineSequenceSize {
  shoppers: number;
  items: number;
  /** Stored sequences (segments) in the statistics. */
  sequences: number;
  /** Interactions appended. */
  events: number;
}

export interface SequenceCore {
  /**
   * Appends `item` to the shopper's sequence (event time `ts`, event id `id`); false when it adds
   * no step. With `once`, a step at or before the shopper's last (time, id) is skipped.
   */
  step(key: string, item: string, ts: number, id: string, once: boolean): boolean;
  /** The items scoring reads for a shopper, oldest first (empty for an unknown shopper). */
  history(key: string): string[];
  /**
   * The n best items by the blend, best first, for a shopper (its own stored sequence is not its
   * neighbour) or for a history of item ids; `skip` leaves items out of the ranking.
   */
  score(from: string | readonly string[], n: number, skip?: Skip): SequenceHit[];
  size(): OnlineSequenceSize;
  /** The statistics, shared with the blend (tests and benchmarks read them). */
  readonly stats: SequenceStats;
}

function growInt(a: Int32Array<ArrayBuffer>, n: number, fill: number): Int32Array<ArrayBuffer> {
  if (n < a.length) return a;
  const b = new Int32Array(Math.max(n + 1, a.length * 2)).fill(fill);
  b.set(a);
  return b;
}

function growFloat(a: Float64Array<ArrayBuffer>, n: number): Float64Array<ArrayBuffer> {
  if (n < a.length) return a;
  const b = new Float64Array(Math.max(n + 1, a.length * 2));
  b.set(a);
  return b;
}

/** Throws a clear error on a bad option (what `createSequenceCore` checks first). */
export function checkSequenceOptions({ segmentLength = 50, historyLength = 20, maxGap = 3, popularKept = 256 }: Omit<OnlineSequenceOptions, 'params'>): void {
  for (const [name, v] of Object.entries({ segmentLength, historyLength, maxGap, popularKept })) {
    if (!Number.isInteger(v) || v < 1) throw badRequest('option_invalid', `${name} must be an integer >= 1, got ${v}`, name);
  }
  if (historyLength > segmentLength) throw badRequest('option_invalid', `historyLength (${historyLength}) must not exceed segmentLength (${segmentLength})`, 'historyLength');
}

export function createSequenceCore({
  params = () => DEFAULT_PARAMS,
  segmentLength = 50,
  historyLength = 20,
  maxGap = 3,
  popularKept = 256,
}: OnlineSequenceOptions = {}): SequenceCore {
  checkSequenceOptions({ segmentLength, historyLength, maxGap, popularKept });
  const first = params();
  const st = createSequenceStats({ numItems: 1024, maxGap: Math.max(maxGap, first.transitions.maxGap) });
  let model: SequenceModel = createSequenceModel({ params: first, stats: st });

  // Interning: item names by id (0 unused) and shopper keys to dense indexes.
  const itemIds = new Map<string, number>();
  const names: string[] = [''];
  const shoppers = new Map<string, number>();
  // Per shopper: current and previous stored segment, its length, its last item, the last (time, id) seen.
  let cur = new Int32Array(256).fill(-1);
  let prev = new Int32Array(256).fill(-1);
  let len = new Int32Array(256);
  let last = new Int32Array(256);
  let lastTs = new Float64Array(256);
  const lastId: string[] = [];
  let events = 0;

  // Items in popularity order (occurrences, then id): the exact order of the untouched items' scores.
  const top = new Int32Array(popularKept);
  let topLen = 0;
  let pos = new Int32Array(1024).fill(-1);
  let maxOcc = 0;

  // Scoring scratch, reused: one request is scored at a time.
  const acc = createSparseScores(1024);
  // marks[id] === stamp: the item has a sparse score in this request; skips[id] === stamp: it is
  // left out by the request's skip set (resolved to ids once, not looked up per candidate).
  let marks = new Int32Array(1024);
  let skips = new Int32Array(1024);
  let stamp = 0;
  let skipSet = false;
  let skipFn: ((id: string) => boolean) | undefined;
  let hist = new Int32Array(historyLength);
  let bestIds = new Int32Array(64);
  let bestScores = new Float64Array(64);
  let count = 0;

  function intern(name: string): number {
    let id = itemIds.get(name);
    if (id === undefined) {
      id = names.length;
      itemIds.set(name, id);
      names.push(name);
      pos = growInt(pos, id, -1);
      marks = growInt(marks, id, 0);
      skips = growInt(skips, id, 0);
    }
    return id;
  }

  function shopper(key: string): number {
    let s = shoppers.get(key);
    if (s === undefined) {
      s = shoppers.size;
      shoppers.set(key, s);
      cur = growInt(cur, s, -1);
      prev = growInt(prev, s, -1);
      len = growInt(len, s, 0);
      last = growInt(last, s, 0);
      lastTs = growFloat(lastTs, s);
    }
    return s;
  }

  /** (occurrences, id) of a before b in popularity order. */
  function ahead(occ: Float64Array, a: number, b: number): boolean {
    const oa = occ[a] as number;
    const ob = occ[b] as number;
    return oa > ob || (oa === ob && a < b);
  }

  /** Keeps `top` sorted after `item`'s count went up by one (counts never go down). */
  function bumpPopular(item: number): void {
    const occ = st.occurrences();
    if ((occ[item] as number) > maxOcc) maxOcc = occ[item] as number;
    let p = pos[item] as number;
    if (p < 0) {
      if (topLen < popularKept) p = topLen++;
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

  function step(key: string, name: string, ts: number, id: string, once: boolean): boolean {
    const known = shoppers.has(key);
    const s = shopper(key);
    if (once && known) {
      const t = lastTs[s] as number;
      if (ts < t || (ts === t && id <= (lastId[s] as string))) return false;
    }
    lastTs[s] = ts;
    lastId[s] = id;
    const item = intern(name);
    let seq = cur[s] as number;
    if (seq < 0) {
      seq = st.begin();
      cur[s] = seq;
    } else {
      if (last[s] === item) return false;
      if ((len[s] as number) >= segmentLength) {
        prev[s] = seq;
        seq = st.begin();
        cur[s] = seq;
        len[s] = 0;
      }
    }
    st.append(seq, item);
    len[s] = (len[s] as number) + 1;
    last[s] = item;
    events++;
    bumpPopular(item);
    return true;
  }

  /** The shopper's last `historyLength` items into the scratch history (a view). */
  function historyOf(s: number): Int32Array {
    const n = len[s] as number;
    const fromCur = Math.min(n, historyLength);
    const p = prev[s] as number;
    const fromPrev = p < 0 ? 0 : Math.min(historyLength - fromCur, segmentLength);
    if (fromPrev > 0) {
      const ps = st.sequence(p) as Int32Array;
      hist.set(ps.subarray(ps.length - fromPrev), 0);
    }
    const cs = st.sequence(cur[s] as number) as Int32Array;
    hist.set(cs.subarray(n - fromCur), fromPrev);
    return hist.subarray(0, fromPrev + fromCur);
  }

  function historyOfIds(ids: readonly string[]): Int32Array {
    if (hist.length < ids.length) hist = new Int32Array(ids.length);
    let k = 0;
    for (const name of ids) {
      const id = itemIds.get(name);
      if (id !== undefined) hist[k++] = id;
    }
    return hist.subarray(0, k);
  }

  /** (score, id) of a before b in the ranking: higher score, then lower id (the dense ranking's order). */
  const better = (sa: number, a: number, sb: number, b: number): boolean => sa > sb || (sa === sb && a < b);

  /** Would (score, id) enter the n best so far? */
  const enters = (n: number, sc: number, id: number): boolean =>
    count < n || better(sc, id, bestScores[count - 1] as number, bestIds[count - 1] as number);

  function insert(n: number, sc: number, id: number): void {
    let k = count < n ? count++ : n - 1;
    while (k > 0 && better(sc, id, bestScores[k - 1] as number, bestIds[k - 1] as number)) {
      bestScores[k] = bestScores[k - 1] as number;
      bestIds[k] = bestIds[k - 1] as number;
      k--;
    }
    bestScores[k] = sc;
    bestIds[k] = id;
  }

  /** Untouched items in popularity order, from the kept list, then (rarely) from every item. */
  function fillPopular(n: number, w: number, occ: Float64Array): void {
    if (w === 0) {
      // Every untouched item scores 0: the ranking's order among them is the id order.
      for (let id = 1; id < names.length; id++) {
        if (marks[id] === stamp) continue;
        if (!enters(n, 0, id)) return;
        if (!skipped(id)) insert(n, 0, id);
      }
      return;
    }
    const norm = maxOcc > 0 ? maxOcc : 1;
    let p = 0;
    for (; p < topLen; p++) {
      const id = top[p] as number;
      if (marks[id] === stamp) continue;
      const sc = w * ((occ[id] as number) / norm);
      // Later items score no more: nothing further can enter.
      if (!enters(n, sc, id)) return;
      if (skipped(id)) continue;
      insert(n, sc, id);
    }
    if (topLen === names.length - 1) return;
    // Every item not kept comes after the last kept one in popularity order, so it scores no more:
    // when that score is below the n-th best, nothing from the scan below could enter.
    const tail = top[topLen - 1] as number;
    if (topLen > 0 && count === n && w * ((occ[tail] as number) / norm) < (bestScores[n - 1] as number)) return;
    for (let id = 1; id < names.length; id++) {
      if (marks[id] === stamp || (pos[id] as number) >= 0) continue;
      const sc = w * ((occ[id] as number) / norm);
      if (enters(n, sc, id) && !skipped(id)) insert(n, sc, id);
    }
  }

  /** Starts a request: a fresh stamp, and the skip set's items marked (names never seen skip nothing). */
  function begin(skip: Skip | undefined): void {
    if (stamp === 0x7fffffff) {
      marks.fill(0);
      skips.fill(0);
      stamp = 0;
    }
    stamp++;
    skipFn = typeof skip === 'function' ? skip : undefined;
    skipSet = skip !== undefined && typeof skip !== 'function';
    if (skipSet) {
      for (const name of skip as ReadonlySet<string>) {
        const id = itemIds.get(name);
        if (id !== undefined) skips[id] = stamp;
      }
    }
  }

  function skipped(id: number): boolean {
    if (skipSet) return skips[id] === stamp;
    return skipFn !== undefined && skipFn(names[id] as string);
  }

  function score(from: string | readonly string[], n: number, skip?: Skip): SequenceHit[] {
    if (!(n >= 1)) return [];
    const p = params();
    if (p !== model.params) model = createSequenceModel({ params: p, stats: st });
    let history: Int32Array = hist.subarray(0, 0);
    let self = -1;
    if (typeof from === 'string') {
      const s = shoppers.get(from);
      if (s !== undefined && (cur[s] as number) >= 0) {
        history = historyOf(s);
        self = cur[s] as number;
      }
    } else history = historyOfIds(from);
    if (bestIds.length < n) {
      bestIds = new Int32Array(n);
      bestScores = new Float64Array(n);
    }
    count = 0;
    begin(skip);
    model.blend(history, acc, self);
    const w = p.weights.popularity;
    const occ = st.occurrences();
    const norm = maxOcc > 0 ? maxOcc : 1;
    for (let i = 0; i < acc.size; i++) {
      const id = acc.id(i);
      marks[id] = stamp;
      const v = acc.get(id);
      // The popularity term is at most w (no item occurs more than maxOcc times), so once n are
      // kept, an item whose blend plus w is below the n-th best cannot enter: most of the
      // thousands touched are passed over without reading their occurrences.
      if (count === n && w + v < (bestScores[n - 1] as number)) continue;
      // As evaluation scores: popularity weight times occurrences over the largest, plus the sparse blend.
      const sc = w * ((occ[id] as number) / norm) + v;
      if (enters(n, sc, id) && !skipped(id)) insert(n, sc, id);
    }
    fillPopular(n, w, occ);
    skipFn = undefined;
    const out: SequenceHit[] = new Array<SequenceHit>(count);
    for (let k = 0; k < count; k++) out[k] = { id: names[bestIds[k] as number] as string, score: bestScores[k] as number };
    return out;
  }

  return {
    stats: st,
    step,
    history(key) {
      const s = shoppers.get(key);
      if (s === undefined || (cur[s] as number) < 0) return [];
      const h = historyOf(s);
      const out = new Array<string>(h.length);
      for (let i = 0; i < h.length; i++) out[i] = names[h[i] as number] as string;
      return out;
    },
    score,
    size: () => ({ shoppers: shoppers.size, items: names.length - 1, sequences: st.sequenceCount(), events }),
  };
}


/** A shopper's history and the sequence model's ranking for it: what a recommendation reads. */
export interface SequenceRanking {
  /** The items scoring reads, oldest first (empty: the shopper has no sequence, and no hits). */
  history: string[];
  /** The n best items, best first, leaving out `skip` and, when asked, the history itself. */
  hits: SequenceHit[];
}

export function rankWith(core: SequenceCore, key: string, n: number, skip: Iterable<string>, skipHistory: boolean): SequenceRanking {
  const history = core.history(key);
  if (history.length === 0) return { history, hits: [] };
  const left = new Set(skip);
  if (skipHistory) for (const h of history) left.add(h);
  return { history, hits: core.score(key, n, left) };
}
