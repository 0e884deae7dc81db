import { describe, expect, it } from 'vitest';
import { createSequenceModel, createSequenceStats, DEFAULT_PARAMS, type ModelParams } from '../../src/models/index.ts';
import { evaluateData, evaluateModel, leaveOneOut, buildModel } from '../../src/batch/index.ts';
import { chainSequences } from './fixtures.ts';

const only = (w: Partial<ModelParams['weights']>, p: ModelParams = DEFAULT_PARAMS): ModelParams => ({
  ...p,
  weights: { popularity: 0, knn: 0, transitions: 0, neighbours: 0, repeat: 0, ...w },
});
const firstOrder: ModelParams = { ...DEFAULT_PARAMS, transitions: { orderDecay: 0, skipDecay: 0, maxGap: 1 } };

describe('sequence statistics', () => {
  it('counts occurrences, distinct co-occurrence and gapped transitions per observed sequence', () => {
    const st = createSequenceStats({ numItems: 4, maxGap: 2 });
    expect(st.observe([1, 2, 3, 2])).toBe(0);
    expect(st.observe([2, 5])).toBe(1);
    expect(st.numItems()).toBe(5);
    expect([...st.occurrences().subarray(1, 6)]).toEqual([1, 3, 1, 0, 1]);
    expect([...st.sequenceFrequency().subarray(1, 6)]).toEqual([1, 2, 1, 0, 1]);
    expect(st.cooccurrence(2)?.get(1)).toBe(1);
    expect(st.cooccurrence(2)?.get(5)).toBe(1);
    expect(st.transitions(1, 2)?.get(3)).toBe(1);
    expect(st.transitions(1, 2)?.get(5)).toBe(1);
    expect(st.transitions(2, 1)?.get(3)).toBe(1);
    expect([...(st.postings(2) ?? new Int32Array(0)).subarray(0, st.postingsLength(2))]).toEqual([0, 1]);
    expect(() => st.observe([0])).toThrow(RangeError);
  });
});

describe('per-event updates', () => {
  it('gives the same scores whether sequences arrive whole or one event at a time', () => {
    const seqs = chainSequences({ users: 40, items: 30, seed: 11 });
    const whole = createSequenceModel({ numItems: 30 });
    for (const s of seqs) whole.observe(s);
    const live = createSequenceModel({ numItems: 30 });
    const ids = seqs.map(() => live.stats.begin());
    // interleave users event by event, as a live stream would
    for (let k = 0; k < 12; k++) seqs.forEach((s, u) => s[k] !== undefined && live.stats.append(ids[u] as number, s[k] as number));
    for (const h of [[1, 2, 3], [7], [30, 29, 4]]) {
      const a = whole.score(h);
      const b = live.score(h);
      for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i] as number, 5);
    }
    expect(Math.max(...whole.score([1, 2, 3]))).toBeGreaterThan(0);
  });
});

describe('streaming model', () => {
  it('finds a deterministic chain with first-order transitions: HR@10 = 1', () => {
    // users walk 1 → 2 → … → 20 → 1 from different starts
    const seqs = Array.from({ length: 40 }, (_, u) => Int32Array.from({ length: 6 }, (_, k) => ((u + k) % 20) + 1));
    const split = leaveOneOut(seqs, 'test');
    const m = evaluateModel(buildModel(split, 20, only({ transitions: 1 }, firstOrder)), split.cases).sequential();
    expect(m.hr10).toBe(1);
    expect(m.ndcg10).toBe(1);
    const pop = evaluateModel(buildModel(split, 20, only({ popularity: 1 })), split.cases).sequential();
    expect(pop.ndcg10).toBeLessThan(0.5);
  });

  it('excludes the user history from the ranking', () => {
    // item 1 is the most popular, item 2 next; user 0 already has item 1, so item 2 ranks first
    const seqs = [Int32Array.of(1, 3, 2), Int32Array.of(1, 2, 4), Int32Array.of(1, 2, 5), Int32Array.of(1, 6, 7)];
    const split = leaveOneOut(seqs, 'test');
    const model = buildModel(split, 7, only({ popularity: 1 }));
    const first = split.cases[0];
    expect(first?.target).toBe(2);
    const m = evaluateModel(model, first === undefined ? [] : [first]).sequential();
    expect(m.hr10).toBe(1);
    expect(m.ndcg10).toBe(1);
    // without the exclusion, item 1 would outrank it
    const noExclusion = evaluateModel(model, first === undefined ? [] : [{ ...first, excluded: new Set() }]).sequential();
    expect(noExclusion.ndcg10).toBeCloseTo(1 / Math.log2(3), 12);
  });

  it('scores every item densely, equal to popularity plus the blended sparse part', () => {
    const model = createSequenceModel({ numItems: 10, params: only({ popularity: 0.5, transitions: 1 }, firstOrder) });
    model.observe([1, 2, 3]);
    model.observe([1, 2, 4]);
    model.observe([2, 4]);
    const s = model.score([5, 2]);
    expect(s).toHaveLength(11);
    // after 2: item 3 once, item 4 twice (normalised by the max, 2); popularity of 4 is 2/3
    expect(s[4]).toBeCloseTo(0.5 * (2 / 3) + 1, 6);
    expect(s[3]).toBeCloseTo(0.5 * (1 / 3) + 0.5, 6);
    expect(s[9]).toBe(0);
  });

  it('uses the neighbourhood but never the user itself as a neighbour', () => {
    const model = createSequenceModel({ numItems: 10, params: only({ neighbours: 1 }) });
    const self = model.observe([1, 2, 3]);
    model.observe([1, 2, 7]);
    const s = model.score([1, 2, 3], undefined, self);
    expect(s[7]).toBeGreaterThan(0);
    const alone = createSequenceModel({ numItems: 10, params: only({ neighbours: 1 }) });
    const id = alone.observe([1, 2, 3]);
    expect(Math.max(...alone.score([1, 2, 3], undefined, id))).toBe(0);
  });

  it('rejects invalid parameters at once', () => {
    expect(() => createSequenceModel({ params: only({ knn: -1 }) })).toThrow(RangeError);
  });

  it('beats popularity on structured data after tuning on validation only', async () => {
    const seqs = chainSequences({ users: 300, items: 80 }).map((s) => Int32Array.from(s));
    const run = await evaluateData({ format: 'lines', numItems: 80, sequences: seqs, tests: [] }, { seed: 3, quick: true, tuneCases: 200, learned: { parts: [] } });
    const engine = run.engine.test.sequential();
    const pop = run.baselines.popularity?.test.sequential();
    expect(pop).toBeDefined();
    expect(engine.ndcg10).toBeGreaterThan(2 * (pop?.ndcg10 ?? 1));
    expect(engine.hr10).toBeGreaterThan(0.5);
    expect(run.curve.length).toBeGreaterThan(5);
  });
});
