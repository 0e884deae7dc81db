import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../../src/core/index.ts';
import {
  COMPONENTS,
  DEFAULT_PARAMS,
  createItemMarks,
  createNeighbourScratch,
  createSequenceModel,
  createSequenceStats,
  createSparseScores,
  nextStamp,
  scoreItemKnn,
  scoreNeighbours,
  scoreTransitions,
  type CountTable,
  type ItemKnnParams,
  type NeighbourParams,
  type SequenceStats,
  type SparseScores,
  type TransitionParams,
} from '../../../src/models/sequence/index.ts';
import { createCountTable } from '../../../src/models/sequence/rows.ts';

/**
 * The sequence statistics and scoring components against a straightforward reference (Map rows,
 * a Set per call, sorting every neighbour candidate, Math.exp and Math.sqrt per term, as the model
 * was first written), on seeded random sequences: every count, every row's order and every score
 * must be the same, bit for bit.
 */

interface Reference {
  occ: number[];
  freq: number[];
  co: Map<number, Map<number, number>>;
  trans: Map<number, Map<number, number>>[];
  seqs: number[][];
  post: Map<number, number[]>;
}

function bumpRef(rows: Map<number, Map<number, number>>, a: number, b: number): void {
  let row = rows.get(a);
  if (row === undefined) {
    row = new Map();
    rows.set(a, row);
  }
  row.set(b, (row.get(b) ?? 0) + 1);
}

function createReference(maxGap: number): Reference {
  return { occ: [], freq: [], co: new Map(), trans: Array.from({ length: maxGap }, () => new Map()), seqs: [], post: new Map() };
}

function appendRef(r: Reference, id: number, item: number): void {
  const s = r.seqs[id] as number[];
  r.occ[item] = (r.occ[item] ?? 0) + 1;
  for (let g = 1; g <= r.trans.length && g <= s.length; g++) bumpRef(r.trans[g - 1] as Map<number, Map<number, number>>, s[s.length - g] as number, item);
  if (!s.includes(item)) {
    r.freq[item] = (r.freq[item] ?? 0) + 1;
    for (let k = 0; k < s.length; k++) {
      const y = s[k] as number;
      if (s.slice(0, k).includes(y)) continue;
      bumpRef(r.co, item, y);
      bumpRef(r.co, y, item);
    }
    r.post.set(item, [...(r.post.get(item) ?? []), id]);
  }
  s.push(item);
}

/** Adds (id, value) pairs in call order, as the accumulator sees them. */
type Sink = (item: number, value: number) => void;

function knnRef(r: Reference, history: number[], add: Sink, p: ItemKnnParams): void {
  let w = 1;
  const seen = new Set<number>();
  for (let k = history.length - 1; k >= 0; k--, w *= p.decay) {
    const h = history[k] as number;
    if (seen.has(h)) continue;
    seen.add(h);
    const row = r.co.get(h);
    if (row === undefined) continue;
    const fh = Math.sqrt(r.freq[h] ?? 1);
    for (const [j, c] of row) add(j, (w * c) / (fh * Math.sqrt(r.freq[j] as number)));
  }
}

function transitionsRef(r: Reference, history: number[], add: Sink, p: TransitionParams): void {
  const G = Math.min(p.maxGap, r.trans.length);
  let wd = 1;
  for (let d = 0; d < G && d < history.length; d++, wd *= p.orderDecay) {
    if (wd === 0) break;
    const h = history[history.length - 1 - d] as number;
    let wg = wd;
    for (let g = d + 1; g <= G; g++, wg *= p.skipDecay) {
      if (wg === 0) break;
      const row = r.trans[g - 1]?.get(h);
      if (row === undefined) continue;
      let total = 0;
      for (const c of row.values()) total += c;
      const scale = wg / total;
      for (const [j, c] of row) add(j, c * scale);
    }
  }
}

function neighboursRef(r: Reference, history: number[], add: Sink, p: NeighbourParams, skip: number): void {
  const weights = new Map<number, number>();
  const match = new Map<number, number>();
  const n = r.seqs.length;
  const distinct: number[] = [];
  for (let k = history.length - 1; k >= 0; k--) {
    const h = history[k] as number;
    if (weights.has(h)) continue;
    const w = Math.exp(-(history.length - 1 - k) / p.positionScale);
    weights.set(h, w);
    match.set(h, p.idf === 0 ? w : w * Math.log(1 + n / Math.max(1, r.freq[h] ?? 0)) ** p.idf);
    distinct.push(h);
  }
  const found: [number, number][] = [];
  const visited = new Set<number>();
  for (const h of distinct) {
    const post = r.post.get(h) ?? [];
    for (let k = post.length - 1; k >= 0 && k >= post.length - p.sample; k--) {
      const id = post[k] as number;
      if (id === skip || visited.has(id)) continue;
      visited.add(id);
      const seq = r.seqs[id] as number[];
      let dotp = 0;
      for (const x of seq) dotp += match.get(x) ?? 0;
      if (dotp === 0) continue;
      const rec = Number.isFinite(p.recencyScale) ? Math.exp(-(n - id) / p.recencyScale) : 1;
      found.push([id, (rec * dotp) / (Math.sqrt(distinct.length) * Math.sqrt(seq.length))]);
    }
  }
  found.sort((a, b) => b[1] - a[1] || b[0] - a[0]);
  for (const [id, raw] of found.slice(0, p.k)) {
    const sim = p.simPower === 1 ? raw : raw ** p.simPower;
    const seq = r.seqs[id] as number[];
    let m = 0;
    let best = -1;
    seq.forEach((x, q) => {
      const w = weights.get(x) ?? 0;
      if (w >= best) {
        best = w;
        m = q;
      }
    });
    seq.forEach((x, q) => {
      const w = Math.exp(-Math.abs(q - m) / p.neighbourScale) * (q < m ? p.before : 1);
      if (w > 0) add(x, sim * w);
    });
  }
}

/** What a sparse accumulator holds after a sequence of adds: touched ids in order, summed values. */
function accumulate(run: (add: Sink) => void): { ids: number[]; values: number[] } {
  const values = new Map<number, number>();
  run((item, v) => values.set(item, (values.get(item) ?? 0) + v));
  return { ids: [...values.keys()], values: [...values.values()] };
}

function contents(acc: SparseScores): { ids: number[]; values: number[] } {
  const ids = Array.from({ length: acc.size }, (_, i) => acc.id(i));
  return { ids, values: ids.map((id) => acc.get(id)) };
}

function rowEntries(table: CountTable | undefined, i: number): [number, number][] {
  if (table === undefined) return [];
  const page = table.page(i);
  const o = table.offset(i);
  return Array.from({ length: table.size(i) }, (_, k) => [page[o + 2 * k] as number, page[o + 2 * k + 1] as number]);
}

/** Zipf-like item draws, so some rows grow long (past the linear-scan size) and most stay short. */
function drawItem(rng: Rng, items: number): number {
  return 1 + Math.min(items - 1, Math.floor(items * rng.next() ** 3));
}

/** Random sequences fed event by event, interleaved, with repeats; both structures get the same events. */
function feed(seed: number, { sequences = 300, items = 120, maxLen = 40, maxGap = 3 } = {}): { stats: SequenceStats; ref: Reference } {
  const rng = createRng(seed);
  const stats = createSequenceStats({ numItems: 16, maxGap });
  const ref = createReference(maxGap);
  const lengths = Array.from({ length: sequences }, () => 1 + rng.int(maxLen));
  const ids = lengths.map(() => {
    ref.seqs.push([]);
    return stats.begin();
  });
  for (let step = 0; step < maxLen; step++) {
    lengths.forEach((len, u) => {
      if (step >= len) return;
      const item = drawItem(rng, items);
      stats.append(ids[u] as number, item);
      appendRef(ref, u, item);
    });
  }
  return { stats, ref };
}

const bits = (xs: number[]): string[] => xs.map((x) => (Object.is(x, -0) ? '-0' : x.toString(16)));

describe('count rows', () => {
  it('keep Map order, counts and totals as rows grow past the linear scan and move between blocks', () => {
    const rng = createRng(5);
    const spans = [3, 12, 60, 5000];
    const table = createCountTable(2);
    const refs = spans.map(() => new Map<number, number>());
    // Rows grow interleaved, so freed blocks are reused by other rows.
    for (let t = 0; t < 12_000; t++) {
      const r = rng.int(spans.length);
      const id = 1 + rng.int(spans[r] as number) * 7919;
      table.fit(r + 1);
      table.bump(r + 1, id);
      const ref = refs[r] as Map<number, number>;
      ref.set(id, (ref.get(id) ?? 0) + 1);
    }
    refs.forEach((ref, r) => {
      const i = r + 1;
      expect(rowEntries(table, i)).toEqual([...ref]);
      expect([...(table.toMap(i) ?? [])]).toEqual([...ref]);
      expect(table.total(i)).toBe([...ref.values()].reduce((a, b) => a + b, 0));
      for (const [id, c] of ref) expect(table.count(i, id)).toBe(c);
      expect(table.count(i, 2)).toBe(0);
    });
    expect(table.size(9)).toBe(0);
    expect(table.toMap(9)).toBeUndefined();
  });

  it('keep a row too large for a shared page in a page of its own', () => {
    const table = createCountTable(3);
    for (let id = 1; id <= 20_000; id++) {
      table.bump(1, id);
      table.bump(2, id % 7);
    }
    table.bump(1, 77);
    expect(table.size(1)).toBe(20_000);
    expect(table.count(1, 77)).toBe(2);
    expect(table.total(1)).toBe(20_001);
    const page = table.page(1);
    const o = table.offset(1);
    expect([page[o], page[o + 1], page[o + 2 * 19_999], page[o + 2 * 19_999 + 1]]).toEqual([1, 1, 20_000, 1]);
    expect([...(table.toMap(2) ?? [])]).toEqual([1, 2, 3, 4, 5, 6, 0].map((id) => [id, id === 1 ? 2858 : 2857]));
  });
});

describe('sequence statistics against the reference', () => {
  it('hold the same counts, rows (in order), norms and postings', () => {
    for (const seed of [1, 2, 3]) {
      const { stats, ref } = feed(seed);
      const n = stats.numItems();
      const occ = stats.occurrences();
      const freq = stats.sequenceFrequency();
      const norms = stats.frequencyNorms();
      for (let i = 1; i <= n; i++) {
        expect(occ[i]).toBe(ref.occ[i] ?? 0);
        expect(freq[i]).toBe(ref.freq[i] ?? 0);
        expect(norms[i]).toBe(Math.sqrt(ref.freq[i] ?? 0));
        expect(rowEntries(stats.cooccurrenceTable(), i)).toEqual([...(ref.co.get(i) ?? [])]);
        expect(stats.cooccurrence(i) === undefined).toBe(!ref.co.has(i));
        expect([...(stats.cooccurrence(i) ?? [])]).toEqual([...(ref.co.get(i) ?? [])]);
        for (let g = 1; g <= stats.maxGap; g++) {
          const want = ref.trans[g - 1]?.get(i);
          expect(rowEntries(stats.transitionTable(g), i)).toEqual([...(want ?? [])]);
          expect(stats.transitions(g, i) === undefined).toBe(want === undefined);
          expect([...(stats.transitions(g, i) ?? [])]).toEqual([...(want ?? [])]);
          expect(stats.transitionTable(g)?.total(i)).toBe([...(want?.values() ?? [])].reduce((a, b) => a + b, 0));
        }
        expect([...(stats.postings(i) ?? new Int32Array(0)).subarray(0, stats.postingsLength(i))]).toEqual(ref.post.get(i) ?? []);
      }
      for (let id = 0; id < stats.sequenceCount(); id++) {
        expect([...(stats.sequence(id) ?? [])]).toEqual(ref.seqs[id]);
        expect(stats.sequenceLength(id)).toBe(ref.seqs[id]?.length);
        const o = stats.sequenceOffset(id);
        expect([...stats.sequencePage(id).subarray(o, o + stats.sequenceLength(id))]).toEqual(ref.seqs[id]);
        expect(stats.sequenceCapacity(id)).toBeGreaterThanOrEqual(stats.sequenceLength(id));
      }
      // Some rows went past the linear-scan size, so the index was exercised.
      expect(Math.max(...Array.from({ length: n }, (_, i) => stats.cooccurrenceTable().size(i + 1)))).toBeGreaterThan(50);
    }
  });
});

const NEIGHBOURS: NeighbourParams[] = [
  DEFAULT_PARAMS.neighbours,
  { k: 5, sample: 7, positionScale: 1, recencyScale: 40, neighbourScale: 1, before: 0, idf: 1, simPower: 2 },
  { k: 400, sample: 1000, positionScale: 8, recencyScale: Infinity, neighbourScale: 4, before: 1, idf: 0.5, simPower: 1 },
  { k: 1, sample: 3, positionScale: 0.5, recencyScale: 5, neighbourScale: 0.7, before: 0.3, idf: 0, simPower: 0.5 },
];

describe('scoring components against the reference', () => {
  it('add the same values in the same order, bit for bit', () => {
    const { stats, ref } = feed(9, { sequences: 250, items: 90 });
    const rng = createRng(10);
    const acc = createSparseScores(4);
    const seen = createItemMarks();
    const scratch = createNeighbourScratch();
    for (let t = 0; t < 120; t++) {
      const history = Array.from({ length: 1 + rng.int(25) }, () => drawItem(rng, 95));
      const skip = rng.next() < 0.5 ? rng.int(stats.sequenceCount()) : -1;
      for (const p of [{ decay: 0.7 }, { decay: 0.3 }, { decay: 1 }]) {
        acc.reset();
        scoreItemKnn(stats, history, acc, p, seen);
        const want = accumulate((add) => knnRef(ref, history, add, p));
        expect(contents(acc).ids).toEqual(want.ids);
        expect(bits(contents(acc).values)).toEqual(bits(want.values));
      }
      for (const p of [DEFAULT_PARAMS.transitions, { orderDecay: 0, skipDecay: 0, maxGap: 1 }, { orderDecay: 1, skipDecay: 0.5, maxGap: 5 }]) {
        acc.reset();
        scoreTransitions(stats, history, acc, p);
        const want = accumulate((add) => transitionsRef(ref, history, add, p));
        expect(contents(acc).ids).toEqual(want.ids);
        expect(bits(contents(acc).values)).toEqual(bits(want.values));
      }
      for (const p of NEIGHBOURS) {
        acc.reset();
        scoreNeighbours(stats, history, acc, p, scratch, skip);
        const want = accumulate((add) => neighboursRef(ref, history, add, p, skip));
        expect(contents(acc).ids).toEqual(want.ids);
        expect(bits(contents(acc).values)).toEqual(bits(want.values));
      }
    }
  });

  it('give the same scores when the scratch stamps wrap around', () => {
    const { stats } = feed(4, { sequences: 80, items: 40 });
    const history = [3, 1, 4, 1, 5, 9, 2, 6];
    const once = createSparseScores();
    scoreNeighbours(stats, history, once, DEFAULT_PARAMS.neighbours, createNeighbourScratch());
    const scratch = createNeighbourScratch();
    scratch.stamp = 0x7fffffff;
    const wrapped = createSparseScores();
    scoreNeighbours(stats, history, wrapped, DEFAULT_PARAMS.neighbours, scratch);
    expect(contents(wrapped)).toEqual(contents(once));
    expect(contents(once).ids.length).toBeGreaterThan(5);
    const marks = createItemMarks();
    marks.marks[7] = 0x7fffffff;
    marks.stamp = 0x7ffffffe;
    expect(nextStamp(marks, 10)).toBe(0x7fffffff);
    expect(nextStamp(marks, 10)).toBe(1);
    expect(marks.marks[7]).toBe(0);
  });

  it('blend to the same dense scores as the reference blend', () => {
    const { stats, ref } = feed(12, { sequences: 200, items: 70 });
    const model = createSequenceModel({ stats, params: { ...DEFAULT_PARAMS, weights: { popularity: 0.1, knn: 0.5, transitions: 0.3, neighbours: 2, repeat: 0 } } });
    const rng = createRng(13);
    for (let t = 0; t < 30; t++) {
      const history = Array.from({ length: 1 + rng.int(15) }, () => drawItem(rng, 70));
      const parts = [
        { w: 0.5, run: (add: Sink) => knnRef(ref, history, add, DEFAULT_PARAMS.knn) },
        { w: 0.3, run: (add: Sink) => transitionsRef(ref, history, add, DEFAULT_PARAMS.transitions) },
        { w: 2, run: (add: Sink) => neighboursRef(ref, history, add, DEFAULT_PARAMS.neighbours, -1) },
      ];
      const sparse = new Map<number, number>();
      for (const { w, run } of parts) {
        const part = accumulate(run);
        const m = Math.max(0, ...part.values);
        if (m <= 0) continue;
        part.ids.forEach((id, i) => sparse.set(id, (sparse.get(id) ?? 0) + (w * (part.values[i] as number)) / m));
      }
      const occ = stats.occurrences();
      const top = Math.max(...occ);
      const got = model.score(history);
      for (let i = 1; i <= stats.numItems(); i++) {
        // As the model fills its Float32Array: popularity first, then the sparse part added to it.
        const base = Math.fround(0.1 * ((occ[i] as number) / top));
        const s = sparse.get(i);
        expect(got[i]).toBe(s === undefined ? base : Math.fround(base + s));
      }
      expect(sparse.size).toBeGreaterThan(0);
    }
  });
});

/** A SparseScores of another kind (a Map), as a caller may pass one: every bulk add takes its plain path. */
function mapScores(): SparseScores {
  const values = new Map<number, number>();
  return {
    get size() {
      return values.size;
    },
    id: (i) => [...values.keys()][i] as number,
    get: (item) => values.get(item) ?? 0,
    add: (item, v) => void values.set(item, (values.get(item) ?? 0) + v),
    max: () => Math.max(0, ...values.values()),
    reset: () => values.clear(),
  };
}

describe('scoring into an accumulator of another kind', () => {
  it('adds the same values in the same order as into createSparseScores, blend included', () => {
    const { stats } = feed(21, { sequences: 150, items: 60 });
    const rng = createRng(22);
    const model = createSequenceModel({ stats, params: { ...DEFAULT_PARAMS, weights: { popularity: 0.1, knn: 0.5, transitions: 0.3, neighbours: 2, repeat: 0.2 } } });
    for (let t = 0; t < 25; t++) {
      const history = Array.from({ length: 1 + rng.int(15) }, () => drawItem(rng, 60));
      for (const name of COMPONENTS) {
        const own = createSparseScores(4);
        const other = mapScores();
        model.component(name, history, own);
        model.component(name, history, other);
        expect(contents(other).ids).toEqual(contents(own).ids);
        expect(bits(contents(other).values)).toEqual(bits(contents(own).values));
      }
      const own = createSparseScores(4);
      const other = mapScores();
      model.blend(history, own);
      model.blend(history, other);
      expect(contents(other).ids).toEqual(contents(own).ids);
      expect(bits(contents(other).values)).toEqual(bits(contents(own).values));
      expect(own.size).toBeGreaterThan(0);
    }
  });
});

describe('sparse accumulator', () => {
  it('starts every round from zero, keeps the touch order and grows past its capacity', () => {
    const acc = createSparseScores(2);
    acc.add(5, 1.5);
    acc.add(2, -0);
    acc.add(5, 1);
    expect(contents(acc)).toEqual({ ids: [5, 2], values: [2.5, 0] });
    expect(Object.is(acc.get(2), 0)).toBe(true);
    expect(acc.max()).toBe(2.5);
    acc.reset();
    expect(acc.size).toBe(0);
    expect(acc.get(5)).toBe(0);
    expect(acc.max()).toBe(0);
    acc.add(300, 0.25);
    acc.add(5, 2);
    expect(contents(acc)).toEqual({ ids: [300, 5], values: [0.25, 2] });
  });
});
