import { describe, expect, it } from 'vitest';
import { rankBlended } from '../../../src/batch/evaluate/metrics.ts';
import { collectTrainingData } from '../../../src/models/data.ts';
import { createRng } from '../../../src/core/index.ts';
import { createMemoryEventStore } from '../../../src/event-store/index.ts';
import { type MeridianEvent } from '../../../src/ingest/index.ts';
import { createOnlineSequence, restoreSequence, type OnlineSequenceModel, type SequenceHit } from '../../../src/models/index.ts';
import { DEFAULT_PARAMS, createSequenceModel, createSparseScores, type ModelParams, type SequenceModel } from '../../../src/models/sequence/index.ts';

const T0 = Date.UTC(2026, 2, 1);
const ITEMS = 60;
const name = (i: number): string => `sku-${String(i).padStart(3, '0')}`;

/**
 * Seeded traffic: each shopper walks the catalogue, usually to one of its item's three likely
 * successors, sometimes repeating the item in a row, with searches and reviews in between (which
 * add no step). Events of all shoppers interleave in time order, ties broken by id.
 */
function traffic(seed: number, shoppers: number, maxSteps: number): MeridianEvent[] {
  const rng = createRng(seed);
  const next = Array.from({ length: ITEMS }, () => [rng.int(ITEMS), rng.int(ITEMS), rng.int(ITEMS)]);
  const out: MeridianEvent[] = [];
  let n = 0;
  for (let s = 0; s < shoppers; s++) {
    const who = s % 4 === 0 ? { session_id: `sess-${s}` } : { user_id: `user-${s}` };
    let ts = T0 + rng.int(50) * 60_000;
    let item = Math.min(rng.int(ITEMS), rng.int(ITEMS));
    const steps = 2 + rng.int(maxSteps - 1);
    for (let k = 0; k < steps; k++) {
      const base = { tenant: 'default', market: 'DE', locale: 'de-DE', ...who, id: `e-${String(++n).padStart(6, '0')}`, ts };
      const r = rng.next();
      const type = r < 0.55 ? 'view' : r < 0.8 ? 'click' : r < 0.93 ? 'add_to_cart' : 'purchase';
      const extra = type === 'purchase' ? { quantity: 1, price: 10, currency: 'EUR' } : {};
      out.push({ ...base, type, item_id: name(item), ...extra } as MeridianEvent);
      ts += 1000 + rng.int(120_000);
      const noise = rng.next();
      if (noise < 0.08) out.push({ ...base, id: `${base.id}-s`, ts: ts - 1, type: 'search', query: 'tea', results: [], clicked_item_id: name(rng.int(ITEMS)) } as MeridianEvent);
      else if (noise < 0.12) out.push({ ...base, id: `${base.id}-r`, ts: ts - 1, type: 'review', item_id: name(rng.int(ITEMS)), rating: 4, text: 'ok' } as MeridianEvent);
      // A repeat in a row is the same step.
      if (rng.next() < 0.1) continue;
      item = rng.next() < 0.65 ? (rng.pick(next[item] as number[]) as number) : Math.min(rng.int(ITEMS), rng.int(ITEMS));
    }
  }
  return out.sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
}

async function* each(events: readonly MeridianEvent[]): AsyncGenerator<MeridianEvent> {
  yield* events;
}

/** The offline model evaluation builds: training sequences (src/batch), statistics observed in order. */
async function offline(events: readonly MeridianEvent[], params: ModelParams) {
  const data = await collectTrainingData(each(events));
  const model = createSequenceModel({ numItems: data.itemIds.length, params });
  const selfOf = new Map<string, number>();
  for (const s of data.sequences) selfOf.set(s.key.slice('default/'.length), model.observe(Int32Array.from(s.items, (i) => i + 1)));
  return { model, selfOf, names: data.itemIds, idOf: new Map(data.itemIds.map((id, i) => [id, i + 1])) };
}

/** The offline ranking: popularity base plus the sparse blend, as rankBlended scores it, best first (ties by id). */
function offlineTop(model: SequenceModel, names: readonly string[], history: Int32Array, self: number, n: number, excluded: ReadonlySet<number>): SequenceHit[] {
  const acc = createSparseScores(names.length);
  model.blend(history, acc, self);
  const base = model.base();
  const all: { id: number; score: number }[] = [];
  for (let i = 1; i <= names.length; i++) if (!excluded.has(i)) all.push({ id: i, score: base.weight * (base.values[i] as number) + acc.get(i) });
  all.sort((a, b) => b.score - a.score || a.id - b.id);
  return all.slice(0, n).map((h) => ({ id: names[h.id - 1] as string, score: h.score }));
}

const feed = (events: readonly MeridianEvent[], model: OnlineSequenceModel): void => {
  for (const e of events) model.observe(e);
};

const TUNED: ModelParams = {
  weights: { popularity: 0.01, knn: 0.6, transitions: 1.5, neighbours: 0.8, repeat: 0.2 },
  knn: { decay: 0.5 },
  transitions: { orderDecay: 0.5, skipDecay: 0.2, maxGap: 2 },
  neighbours: { k: 15, sample: 500, positionScale: 4, recencyScale: 40, neighbourScale: 1, before: 0.3, idf: 1, simPower: 2 },
  repeat: { decay: 0.6 },
};

describe('the online sequence model ranks as the evaluated one', () => {
  it.each([
    ['default parameters', DEFAULT_PARAMS],
    ['tuned parameters', TUNED],
    // Popularity near the blend's scale: the skip of items that cannot enter must not drop one that can.
    ['popularity leading', { ...TUNED, weights: { ...TUNED.weights, popularity: 2 } }],
  ])('fed events in order, it ranks every shopper exactly as createSequenceModel over the training sequences (%s)', async (_label, params) => {
    const events = traffic(7, 120, 30);
    // Caps above every shopper's length: the model is the uncapped one.
    const online = createOnlineSequence({ params: () => params, historyLength: 50 });
    feed(events, online);
    const ref = await offline(events, params);
    expect(online.size().sequences).toBe(ref.model.stats.sequenceCount());
    expect(online.size().items).toBe(ref.names.length);
    let compared = 0;
    for (const [key, self] of ref.selfOf) {
      const history = ref.model.stats.sequence(self) as Int32Array;
      expect(online.history(key)).toEqual(Array.from(history, (i) => ref.names[i - 1]));
      // With and without the history excluded, as the sequential and the session protocols rank.
      const seen = new Set(history);
      const got = online.score(key, 25, (id) => seen.has(ref.idOf.get(id) as number));
      expect(got).toEqual(offlineTop(ref.model, ref.names, history, self, 25, seen));
      // The same exclusion as a set of ids (as recommendations pass it), with an id never seen.
      const names = new Set(['never-seen', ...Array.from(history, (i) => ref.names[i - 1] as string)]);
      expect(online.score(key, 25, names)).toEqual(got);
      expect(online.score(key, 25)).toEqual(offlineTop(ref.model, ref.names, history, self, 25, new Set()));
      // The rank evaluation's metric gives each returned item is its position (where no tie blurs it).
      const acc = createSparseScores(ref.names.length);
      ref.model.blend(history, acc, self);
      got.forEach((h, r) => {
        if (h.score === got[r - 1]?.score || h.score === got[r + 1]?.score) return;
        expect(rankBlended(ref.model.base(), acc, ref.idOf.get(h.id) as number, seen)).toBe(r + 1);
      });
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('scores a history of item ids as the offline model scores it, unknown ids left out', async () => {
    const events = traffic(11, 80, 20);
    const online = createOnlineSequence();
    feed(events, online);
    const ref = await offline(events, DEFAULT_PARAMS);
    const ids = [name(3), 'never-seen', name(17), name(3), name(41)].filter((id) => ref.idOf.has(id) || id === 'never-seen');
    const history = Int32Array.from(ids.filter((id) => ref.idOf.has(id)), (id) => ref.idOf.get(id) as number);
    expect(online.score(ids, 30)).toEqual(offlineTop(ref.model, ref.names, history, -1, 30, new Set()));
  });

  it('with the caps, it ranks as the offline model over segments of segmentLength and the last historyLength items', async () => {
    // One shopper after another, so segments are stored in the order the offline build observes them.
    const events = traffic(5, 30, 40).sort((a, b) => (a.user_id ?? a.session_id ?? '').localeCompare(b.user_id ?? b.session_id ?? '') || a.ts - b.ts || (a.id < b.id ? -1 : 1));
    const online = createOnlineSequence({ segmentLength: 6, historyLength: 4 });
    feed(events, online);
    const data = await collectTrainingData(each(events));
    const model = createSequenceModel({ numItems: data.itemIds.length });
    const cases: { key: string; self: number; history: Int32Array }[] = [];
    for (const s of data.sequences) {
      const items = Int32Array.from(s.items, (i) => i + 1);
      let self = -1;
      for (let at = 0; at < items.length; at += 6) self = model.observe(items.subarray(at, at + 6));
      cases.push({ key: s.key.slice('default/'.length), self, history: items.subarray(Math.max(0, items.length - 4)) });
    }
    expect(online.size().sequences).toBe(model.stats.sequenceCount());
    expect(cases.some((c) => c.self > 0 && (model.stats.sequence(c.self) as Int32Array).length < 4)).toBe(true);
    for (const c of cases) {
      expect(online.history(c.key)).toEqual(Array.from(c.history, (i) => data.itemIds[i - 1]));
      expect(online.score(c.key, 20)).toEqual(offlineTop(model, data.itemIds, c.history, c.self, 20, new Set()));
    }
  });
});

describe('online sequence model behaviour', () => {
  const ev = (id: string, type: string, item: string, ts: number, who: Record<string, string> = { user_id: 'u1' }): MeridianEvent =>
    ({ tenant: 'default', market: 'DE', locale: 'de-DE', id, type, ts, item_id: item, ...who, ...(type === 'purchase' ? { quantity: 1, price: 1, currency: 'EUR' } : {}) }) as MeridianEvent;

  it('takes views, clicks, carts and purchases; a repeat in a row is one step, a later repeat a new one', () => {
    const m = createOnlineSequence();
    expect(m.observe(ev('1', 'view', 'a', T0))).toBe(true);
    expect(m.observe(ev('2', 'click', 'a', T0 + 1))).toBe(false);
    expect(m.observe(ev('3', 'add_to_cart', 'b', T0 + 2))).toBe(true);
    expect(m.observe(ev('4', 'remove_from_cart', 'b', T0 + 3))).toBe(false);
    expect(m.observe({ ...ev('5', 'review', 'c', T0 + 4), rating: 5, text: 'x' } as MeridianEvent)).toBe(false);
    expect(m.observe(ev('6', 'purchase', 'a', T0 + 5))).toBe(true);
    expect(m.observe(ev('7', 'view', 'd', T0 + 6, {}))).toBe(false);
    expect(m.observe(ev('8', 'view', 'd', T0 + 7, { session_id: 's1' }))).toBe(true);
    expect(m.history('u:u1')).toEqual(['a', 'b', 'a']);
    expect(m.history('s:s1')).toEqual(['d']);
    expect(m.history('u:nobody')).toEqual([]);
    expect(m.size()).toEqual({ shoppers: 2, items: 3, sequences: 2, events: 4 });
  });

  it('without popularity, untouched items all score 0 and come in id order, not in popularity order', () => {
    const m = createOnlineSequence({ params: () => ({ ...DEFAULT_PARAMS, weights: { ...DEFAULT_PARAMS.weights, popularity: 0 } }) });
    // Ids by first appearance: a, b, c; popularity: b (6), c (4), a (1).
    let k = 0;
    for (const [item, times] of [['a', 1], ['b', 6], ['c', 4]] as const) {
      for (let i = 0; i < times; i++) m.observe(ev(`p${++k}`, 'view', item, T0 + k, { user_id: `${item}${i}` }));
    }
    expect(m.score([], 1)).toEqual([{ id: 'a', score: 0 }]);
    expect(m.score([], 3)).toEqual([{ id: 'a', score: 0 }, { id: 'b', score: 0 }, { id: 'c', score: 0 }]);
    expect(m.score([], 1, new Set(['a']))).toEqual([{ id: 'b', score: 0 }]);
  });

  it('follow skips what was seen already (a rebuild overlapping the topic); observe takes late events', () => {
    const m = createOnlineSequence();
    m.observe(ev('e1', 'view', 'a', T0));
    m.observe(ev('e3', 'view', 'b', T0 + 10));
    expect(m.follow(ev('e3', 'view', 'b', T0 + 10))).toBe(false);
    expect(m.follow(ev('e2', 'view', 'c', T0 + 5))).toBe(false);
    // Same time, an id that sorts before the last one: the store ordered it earlier, so it was seen.
    expect(m.follow(ev('e2', 'view', 'c', T0 + 10))).toBe(false);
    expect(m.follow(ev('e4', 'view', 'c', T0 + 10))).toBe(true);
    expect(m.follow(ev('e0', 'view', 'x', T0, { user_id: 'u2' }))).toBe(true);
    expect(m.observe(ev('e5', 'view', 'd', T0 + 1))).toBe(true);
    expect(m.history('u:u1')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a frequent transition leads: after A, B first; the shopper alone gets popularity', () => {
    const m = createOnlineSequence();
    let t = T0;
    for (let s = 0; s < 20; s++) {
      const who = { user_id: `s${s}` };
      m.observe(ev(`a${s}`, 'view', 'A', t++, who));
      m.observe(ev(`b${s}`, 'view', s < 15 ? 'B' : 'C', t++, who));
      m.observe(ev(`x${s}`, 'view', `X${s % 3}`, t++, who));
    }
    m.observe(ev('me', 'view', 'A', t++, { user_id: 'me' }));
    expect(m.score('u:me', 3, (id) => id === 'A').map((h) => h.id)).toEqual(['B', 'C', 'X0']);
    expect(m.score(['A'], 1)[0]?.id).toBe('B');
    // No history: the blend's popularity part alone (occurrences, ties by first seen).
    expect(m.score('u:nobody', 3).map((h) => h.id)).toEqual(['A', 'B', 'X0']);
    expect(m.score('u:me', 0)).toEqual([]);
  });

  it('reads the parameters in service per request', () => {
    let params: ModelParams = DEFAULT_PARAMS;
    const m = createOnlineSequence({ params: () => params });
    let t = T0;
    for (let s = 0; s < 10; s++) for (const item of s < 7 ? ['A', 'B'] : ['A', 'C', 'C2', 'C3']) m.observe(ev(`${s}-${item}`, 'view', item, t++, { user_id: `s${s}` }));
    m.observe(ev('me', 'view', 'A', t++, { user_id: 'me' }));
    const skipA = (id: string): boolean => id === 'A';
    expect(m.score('u:me', 1, skipA)[0]?.id).toBe('B');
    params = { ...DEFAULT_PARAMS, weights: { popularity: 0, knn: 0, transitions: 0, neighbours: 0, repeat: 1 } };
    expect(m.score('u:me', 1)[0]?.id).toBe('A');
  });

  it('keeps the popularity order exact past the items it keeps in order', async () => {
    const events = traffic(3, 60, 12);
    const small = createOnlineSequence({ popularKept: 3 });
    const large = createOnlineSequence();
    feed(events, small);
    feed(events, large);
    expect(small.score('u:nobody', 40)).toEqual(large.score('u:nobody', 40));
    expect(small.score('u:user-1', 40, (id) => id.endsWith('7'))).toEqual(large.score('u:user-1', 40, (id) => id.endsWith('7')));
    // Shoppers whose n best fill while the kept items run out: each ranks as the model that keeps
    // every item in order, whether or not the items past the kept ones are read.
    let ranked = 0;
    for (let u = 0; u < 60; u++) {
      const key = `u:user-${u}`;
      const seen = new Set(large.history(key));
      if (seen.size === 0) continue;
      for (const n of [3, 12, 40]) expect(small.score(key, n, seen)).toEqual(large.score(key, n, seen));
      ranked++;
    }
    expect(ranked).toBeGreaterThan(20);
  });

  it('ranks the items past the kept ones where they outscore the tail of the blend', () => {
    // Popular items P1..P8 (single-item sequences), and one neighbour sequence R, X1..X30 whose far
    // items get neighbour scores far below P's popularity; the shopper has seen R.
    const params: ModelParams = { ...DEFAULT_PARAMS, weights: { popularity: 0.001, knn: 0, transitions: 0, neighbours: 1, repeat: 0 } };
    const small = createOnlineSequence({ popularKept: 3, params: () => params });
    const large = createOnlineSequence({ params: () => params });
    let t = T0;
    const events: MeridianEvent[] = [];
    for (let p = 1; p <= 8; p++) for (let j = 0; j < 20 - p; j++) events.push(ev(`p${p}-${j}`, 'view', `P${p}`, t++, { user_id: `p${p}-${j}` }));
    ['R', ...Array.from({ length: 30 }, (_, i) => `X${i + 1}`)].forEach((item, i) => events.push(ev(`n-${i}`, 'view', item, t++, { user_id: 'n' })));
    events.push(ev('me', 'view', 'R', t++, { user_id: 'me' }));
    feed(events, small);
    feed(events, large);
    const seen = new Set(['R']);
    const top = small.score('u:me', 24, seen);
    expect(top).toEqual(large.score('u:me', 24, seen));
    // P4..P8 are not kept in order by `small`, yet outscore X15 and beyond.
    expect(top.slice(13).map((h) => h.id)).toEqual(['P1', 'X14', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'X15', 'X16']);
    // With the kept items left out and a strong tail, nothing past them can enter either.
    const strong = new Set(['R', 'P1', 'P2', 'P3']);
    expect(small.score('u:me', 4, strong)).toEqual(large.score('u:me', 4, strong));
    expect(small.score('u:me', 4, strong).map((h) => h.id)).toEqual(['X1', 'X2', 'X3', 'X4']);
  });

  it('rebuilt from the event store, it answers as the model fed online', async () => {
    const events = traffic(9, 50, 15);
    const store = createMemoryEventStore();
    await store.append(events);
    const online = createOnlineSequence();
    feed(events, online);
    const restored = await restoreSequence(store.scan({ tenant: 'default' }));
    expect(restored.size()).toEqual(online.size());
    for (const key of ['u:user-1', 's:sess-4', 'u:user-13']) expect(restored.score(key, 15)).toEqual(online.score(key, 15));
    await store.close();
  });

  it('rejects caps that are not positive integers, or a history longer than a segment', () => {
    expect(() => createOnlineSequence({ segmentLength: 0 })).toThrow(/segmentLength/);
    expect(() => createOnlineSequence({ popularKept: 1.5 })).toThrow(/popularKept/);
    expect(() => createOnlineSequence({ segmentLength: 10, historyLength: 20 })).toThrow(/historyLength/);
  });
});
