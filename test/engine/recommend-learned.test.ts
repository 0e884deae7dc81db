import { afterEach, describe, expect, it } from 'vitest';
import type { Scored } from '../../src/core/index.ts';
import { LEARNED_CUT_CAP, WEIGHTS } from '../../src/engine/recommend.ts';
import type { RecommendQuery } from '../../src/engine/index.ts';
import { createExactVectorIndex, type VectorIndex } from '../../src/index/index.ts';
import type { MeridianEvent } from '../../src/ingest/index.ts';
import type { LearnedBlend } from '../../src/registry/index.ts';
import { DIM, onlinePath, T0 } from './online-path.ts';

/** The online path and a recommender whose learned blend the test sets; every vector search's k is recorded. */
function setup() {
  const searchedK: number[] = [];
  const makeVectors = (): VectorIndex => {
    const index = createExactVectorIndex({ dim: DIM });
    return { ...index, search: (market, query, k, exclude, options) => (searchedK.push(k), index.search(market, query, k, exclude, options)) };
  };
  const blend: { learned: LearnedBlend | undefined } = { learned: undefined };
  const { tenants, updater, encoder, instrumentation, rec, close } = onlinePath({ makeVectors, learnedBlend: () => blend.learned });
  let searches = 0;
  instrumentation.on('index.search', (e) => {
    if (e.kind === 'vector') searches++;
  });
  const query = (q: Partial<RecommendQuery> = {}): RecommendQuery => ({ tenant: 'default', market: 'DE', k: 20, user: 'me', exclude: ['seen', 'purchased'], ...q });
  const ask = async (q?: Partial<RecommendQuery>) => (await rec.recommend(await tenants.get('default'), query(q))).items;
  return { tenants, updater, encoder, blend, ask, searchedK, searches: () => searches, close };
}

let n = 0;
const TITLES = ['blue ceramic mug', 'espresso beans dark roast', 'linen tea towel', 'steel french press', 'oak cutting board', 'glass water carafe'];

function item(id: string, title: string): MeridianEvent {
  return {
    id: `up-${id}`,
    type: 'item_upsert',
    tenant: 'default',
    ts: T0,
    item_id: id,
    titles: { en: title },
    category: 'kitchen',
    prices: { DE: { amount: 10, currency: 'EUR' } },
    available_in: ['DE'],
  } as MeridianEvent;
}
const view = (user: string, id: string, ts: number): MeridianEvent =>
  ({ id: `v-${++n}`, type: 'view', tenant: 'default', market: 'DE', locale: 'de-DE', user_id: user, item_id: id, ts }) as MeridianEvent;

/**
 * Items s0..s5 with traffic; items n0..n5 with the same titles and no interactions at all, so only
 * the vector search can bring them. The shopper viewed s0 then s1.
 */
async function catalog(updater: ReturnType<typeof setup>['updater']): Promise<void> {
  await updater.apply(TITLES.flatMap((t, i) => [item(`s${i}`, t), item(`n${i}`, `${t} new`)]));
  const events: MeridianEvent[] = [];
  let t = T0 + 1000;
  for (let u = 0; u < 12; u++) events.push(view(`o${u}`, 's0', t++), view(`o${u}`, `s${1 + (u % 5)}`, t++));
  events.push(view('me', 's0', t++), view('me', 's1', t++));
  await updater.apply(events);
}

describe('the learned component in recommendations, as evaluation scores it', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('at weight 0 the vector index is not searched; without a learned blend it is', async () => {
    const env = setup();
    cleanups.push(env.close);
    await catalog(env.updater);
    await env.ask();
    expect(env.searches()).toBe(1);
    env.blend.learned = { weight: 0, cut: 50 };
    const items = await env.ask();
    expect(env.searches()).toBe(1);
    // Nothing brings the never-viewed items any more.
    expect(items.length).toBeGreaterThan(0);
    expect(items.filter((i) => i.id.startsWith('n'))).toEqual([]);
  });

  it('a learned-only item scores weight × (s − s₍K₊₁₎) / (s₍₁₎ − s₍K₊₁₎); past the cut, nothing', async () => {
    const env = setup();
    cleanups.push(env.close);
    await catalog(env.updater);
    const ctx = await env.tenants.get('default');
    const state = await ctx.store.getUser('u:me');
    const exclude = new Set(['s0', 's1']);
    const cut = 3;
    const weight = 0.5;
    env.blend.learned = { weight, cut };
    const items = await env.ask();
    expect(env.searchedK).toEqual([cut + 1]);
    // The same search, made here: K + 1 best of the market, the seen items left out.
    const hits: Scored[] = ctx.vectors.search('DE', env.encoder.query(state!.vector!), cut + 1, undefined, { excluded: exclude });
    const floor = hits[cut]!.score;
    const span = hits[0]!.score - floor;
    expect(span).toBeGreaterThan(0);
    const expected = new Map(hits.slice(0, cut).map((h) => [h.id, (weight * (h.score - floor)) / span]));
    const learnedOnly = items.filter((i) => i.id.startsWith('n'));
    // The twins of the two seen items read most like the shopper: the best scores the full weight,
    // the other its normalised share; the twins past the cut come from nowhere.
    expect(hits.slice(0, 2).map((h) => h.id)).toEqual(['n0', 'n1']);
    expect(learnedOnly.map((i) => i.id)).toEqual(['n0', 'n1']);
    expect(learnedOnly[0]?.score).toBe(weight);
    for (const i of learnedOnly) expect(i.score).toBeCloseTo(expected.get(i.id) as number, 5);
    expect(learnedOnly[1]?.score).toBeLessThan(weight);
    // Twice the weight, twice the score.
    env.blend.learned = { weight: 2 * weight, cut };
    const doubled = (await env.ask()).filter((i) => i.id.startsWith('n'));
    expect(doubled.map((i) => i.id)).toEqual(learnedOnly.map((i) => i.id));
    doubled.forEach((i, k) => expect(i.score).toBeCloseTo(2 * (learnedOnly[k]!.score), 5));
  });

  it('caps the cut served, and without a learned blend keeps the raw cosine at WEIGHTS.vector', async () => {
    const env = setup();
    cleanups.push(env.close);
    await catalog(env.updater);
    env.blend.learned = { weight: 1, cut: 5000 };
    await env.ask();
    expect(env.searchedK).toEqual([LEARNED_CUT_CAP + 1]);
    env.blend.learned = undefined;
    const items = await env.ask();
    const ctx = await env.tenants.get('default');
    const state = await ctx.store.getUser('u:me');
    const raw = ctx.vectors.search('DE', env.encoder.query(state!.vector!), 50, undefined, { excluded: new Set(['s0', 's1']) });
    for (const i of items.filter((x) => x.id.startsWith('n'))) {
      expect(i.score).toBeCloseTo(WEIGHTS.vector * raw.find((h) => h.id === i.id)!.score, 5);
    }
  });
});
