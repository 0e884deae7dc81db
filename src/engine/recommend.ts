import { notFound, type Instrumentation, type Scored } from '../core/index.ts';
import type { CoocRelation, UserState } from '../features/index.ts';
import type { TenantContext } from '../online/index.ts';
import type { UserEncoder } from '../models/index.ts';
import type { LearnedBlend } from '../registry/index.ts';
import { Candidates, hydrate } from './hydrate.ts';
import type { ItemList, ItemView, ListQuery, Reason, RecommendQuery } from './types.ts';

/**
 * Blend weights of the candidate sources. In recommendations the sequence model (the one `meridian
 * evaluate` measures) leads with its blend score, on its own scale: each component normalised to 1
 * for the history, times its weight (the model version's tuned weights, else the defaults: 1 each,
 * 3 in all). The user encoder's vector search adds what co-occurrence cannot (items alike in
 * content or in learned space). When the model in service carries a learned blend, it enters as
 * evaluation scores it: normalised for the version's cut K (see `addLearnedHits`) times the
 * version's tuned weight, and not at all at weight 0. Otherwise (built-in encoders, or a version
 * trained without tuning) it enters as the raw cosine in [-1, 1] times `vector`, at most one
 * component's worth. The stored co-occurrence lists and trending, which the sequence model already
 * covers, come in scaled by `lists` to fill gaps (new items, market filters, shoppers the model has
 * not seen).
 */
export const WEIGHTS = Object.freeze({
  sequence: 1.0,
  vector: 1.0,
  viewedTogether: 0.6,
  boughtTogether: 0.6,
  trending: 0.15,
  lists: 0.2,
  /** How much each older item of the history counts, relative to the newer one. */
  historyDecay: 0.7,
  historyItems: 5,
});

/**
 * The largest cut K served: a request searches K + 1 items of the vector index (plus the excluded
 * ones, which the index over-fetches), so K bounds its cost. At 200 the search list is about the
 * index's default ef, about twice the CPU of RECOMMEND_EF (see there). Training tunes cuts up to
 * this value, so a tuned cut is served as tuned; a larger one from elsewhere is served at 200.
 */
export const LEARNED_CUT_CAP = 200;

export interface RecommenderDeps {
  encoder: UserEncoder;
  instrumentation: Instrumentation;
  modelVersion: () => string;
  /** The learned blend of the model in service, read per request; undefined: the raw cosine at `WEIGHTS.vector`. */
  learnedBlend?: () => LearnedBlend | undefined;
}

const hasFilters = (q: ListQuery): boolean =>
  q.category !== undefined || q.priceMin !== undefined || q.priceMax !== undefined;

/** How many candidates to gather for k results: more when filters will drop some. */
const fetchSize = (q: ListQuery): number => (hasFilters(q) ? q.k * 10 + 50 : q.k * 3 + 10);

/**
 * HNSW candidate list of recommendation queries; hnswlib searches with max(ef, fetched), and a
 * fetch is 3k + 10 plus the exclusions, so with exclusions it is mostly the fetch that decides. On
 * the storefront's shopper vectors recall@10 against exact search is about 0.99 at 64 and 0.994
 * at the index default of 200, which costs about twice the CPU (bench/sections/serving.ts measures both).
 */
export const RECOMMEND_EF = 64;

/** The shopper whose state a request reads: the user when it names one, else the session. */
export function shopperOf(q: { user?: string | undefined; session?: string | undefined }): string | undefined {
  return q.user !== undefined ? `u:${q.user}` : q.session !== undefined ? `s:${q.session}` : undefined;
}

/** Distinct items of the history, newest first. */
function recentDistinct(state: UserState, n: number): string[] {
  const out: string[] = [];
  for (let i = state.recent.length - 1; i >= 0 && out.length < n; i--) {
    const item = state.recent[i]?.item;
    if (item !== undefined && !out.includes(item)) out.push(item);
  }
  return out;
}

async function addCooc(
  ctx: TenantContext,
  into: Candidates,
  rel: CoocRelation,
  seeds: readonly string[],
  weight: number,
  reason: Reason,
  n: number,
): Promise<void> {
  const lists = await Promise.all(seeds.map((s) => ctx.store.topCooc(rel, s, n)));
  let w = 1;
  for (const list of lists) {
    const max = list[0]?.score ?? 0;
    if (max > 0) for (const nb of list) into.add(nb.id, (weight * w * nb.score) / max, reason);
    w *= WEIGHTS.historyDecay;
  }
}

/**
 * Hits of the learned component, best first, as evaluation adds it: for K = hits − 1 at most `cut`,
 * weight × max(0, s(i) − s₍K₊₁₎) / (s₍₁₎ − s₍K₊₁₎) for the K best; nothing when all K + 1 tie.
 */
function addLearnedHits(into: Candidates, hits: readonly Scored[], cut: number, weight: number, reason: Reason): void {
  const k = Math.min(cut, hits.length - 1);
  if (k <= 0) return;
  const floor = (hits[k] as Scored).score;
  const span = (hits[0] as Scored).score - floor;
  if (!(span > 0)) return;
  for (let i = 0; i < k; i++) {
    const h = hits[i] as Scored;
    into.add(h.id, (weight * (h.score - floor)) / span, reason);
  }
}

async function addTrending(ctx: TenantContext, into: Candidates, q: ListQuery, n: number, weight: number): Promise<void> {
  const top = await ctx.store.topTrending(q.market, n);
  const best = top[0]?.score;
  if (best === undefined) return;
  // Stored scores are log2 of the decayed popularity: 2^(s - best) is the popularity relative to the top.
  for (const t of top) into.add(t.id, weight * Math.pow(2, t.score - best), 'trending');
}

type Skip = ReadonlySet<string> | ((id: string) => boolean);

const listOf = (deps: RecommenderDeps, items: ItemView[]): ItemList => ({ items, model: deps.modelVersion() });

function vectorSearch(deps: RecommenderDeps, ctx: TenantContext, market: string, query: Float32Array, n: number, skip: Skip, ef = RECOMMEND_EF): Scored[] {
  const t0 = performance.now();
  // A set lets the index over-fetch by exactly the excluded items it holds.
  const hits =
    typeof skip === 'function' ? ctx.vectors.search(market, query, n, skip, { ef }) : ctx.vectors.search(market, query, n, undefined, { ef, excluded: skip });
  deps.instrumentation.emit('index.search', { kind: 'vector', ms: performance.now() - t0 });
  return hits;
}

async function trending(deps: RecommenderDeps, ctx: TenantContext, q: ListQuery, exclude?: ReadonlySet<string>): Promise<ItemList> {
  const c = new Candidates();
  await addTrending(ctx, c, q, fetchSize(q) + (exclude?.size ?? 0), 1);
  return listOf(deps, await hydrate(ctx.store, c, q, exclude));
}

/** The shopper's own items that every source leaves out: the recent ones with `seen`, the bought ones with `purchased`. */
function ownItems(state: UserState | undefined, q: RecommendQuery, skipSeen: boolean): string[] {
  const own: string[] = [];
  if (state !== undefined) {
    if (skipSeen) for (const r of state.recent) own.push(r.item);
    if (q.exclude.includes('purchased')) own.push(...state.purchased);
  }
  return own;
}

/** The user encoder's hits for the shopper's vector: the learned blend of the model in service, else the raw cosine. */
function addShopperVectorHits(deps: RecommenderDeps, ctx: TenantContext, c: Candidates, market: string, vector: Float32Array, n: number, exclude: ReadonlySet<string>, reason: Reason): void {
  const learned = deps.learnedBlend?.();
  if (learned === undefined) {
    const hits = vectorSearch(deps, ctx, market, deps.encoder.query(vector), n, exclude);
    for (const h of hits) c.add(h.id, WEIGHTS.vector * h.score, reason);
  } else if (learned.weight > 0) {
    // K + 1 hits besides the excluded ones: the index over-fetches by exactly those it holds.
    const k = Math.min(learned.cut, LEARNED_CUT_CAP);
    addLearnedHits(c, vectorSearch(deps, ctx, market, deps.encoder.query(vector), k + 1, exclude), k, learned.weight, reason);
  }
}

async function recommend(deps: RecommenderDeps, ctx: TenantContext, q: RecommendQuery): Promise<ItemList> {
  const key = shopperOf(q);
  const state = key === undefined ? undefined : await ctx.store.getUser(key);
  const skipSeen = q.exclude.includes('seen');
  // The shopper's own items left out of every source; the sequence model adds its history (what
  // evaluation excludes from the ranking) and ranks without all of them.
  const own = ownItems(state, q, skipSeen);
  const ranking = key === undefined || ctx.sequence === undefined ? undefined : await ctx.sequence.rank(key, fetchSize(q), own, skipSeen);
  const seen = ranking?.history ?? [];
  const exclude = new Set<string>(skipSeen ? seen : []);
  for (const id of own) exclude.add(id);
  if (seen.length === 0 && (state === undefined || (state.vector === undefined && state.recent.length === 0))) {
    return trending(deps, ctx, q, exclude);
  }
  const reason: Reason = key?.startsWith('s:') === true ? 'session' : 'personalized';
  const n = fetchSize(q) + exclude.size;
  const c = new Candidates();
  for (const h of ranking?.hits ?? []) c.add(h.id, WEIGHTS.sequence * h.score, reason);
  if (state?.vector !== undefined) addShopperVectorHits(deps, ctx, c, q.market, state.vector, n, exclude, reason);
  const history = state !== undefined ? recentDistinct(state, WEIGHTS.historyItems) : seen.slice(-WEIGHTS.historyItems).reverse();
  await addCooc(ctx, c, 'view', history, WEIGHTS.lists * WEIGHTS.viewedTogether, 'viewed_together', 20);
  const bought = state?.purchased.slice(-3).reverse() ?? [];
  if (bought.length > 0) await addCooc(ctx, c, 'buy', bought, WEIGHTS.lists * WEIGHTS.boughtTogether, 'bought_together', 20);
  await addTrending(ctx, c, q, 50, WEIGHTS.lists * WEIGHTS.trending);
  return listOf(deps, await hydrate(ctx.store, c, q, exclude));
}

async function similar(deps: RecommenderDeps, ctx: TenantContext, itemId: string, q: ListQuery): Promise<ItemList> {
  const item = await ctx.store.getItem(itemId);
  if (item === undefined) throw notFound('item_not_found', `item ${itemId} is not in the catalog`);
  const c = new Candidates();
  const vec = ctx.vectors.vector(itemId);
  if (vec !== undefined) {
    const hits = vectorSearch(deps, ctx, q.market, vec, fetchSize(q) + 1, (id) => id === itemId);
    for (const h of hits) c.add(h.id, WEIGHTS.vector * h.score, 'similar');
  }
  await addCooc(ctx, c, 'view', [itemId], WEIGHTS.viewedTogether, 'viewed_together', 50);
  return listOf(deps, await hydrate(ctx.store, c, q, new Set([itemId])));
}

async function boughtTogether(deps: RecommenderDeps, ctx: TenantContext, itemId: string, q: ListQuery): Promise<ItemList> {
  const item = await ctx.store.getItem(itemId);
  if (item === undefined) throw notFound('item_not_found', `item ${itemId} is not in the catalog`);
  const c = new Candidates();
  await addCooc(ctx, c, 'buy', [itemId], 1, 'bought_together', fetchSize(q));
  // Fewer purchases than needed: what shoppers looked at together comes next, well below.
  await addCooc(ctx, c, 'view', [itemId], 0.25, 'viewed_together', fetchSize(q));
  return listOf(deps, await hydrate(ctx.store, c, q, new Set([itemId])));
}

export function createRecommender(deps: RecommenderDeps) {
  return {
    recommend: (ctx: TenantContext, q: RecommendQuery) => recommend(deps, ctx, q),
    similar: (ctx: TenantContext, itemId: string, q: ListQuery) => similar(deps, ctx, itemId, q),
    boughtTogether: (ctx: TenantContext, itemId: string, q: ListQuery) => boughtTogether(deps, ctx, itemId, q),
    trending: (ctx: TenantContext, q: ListQuery, exclude?: ReadonlySet<string>) => trending(deps, ctx, q, exclude),
    vectorSearch: (ctx: TenantContext, market: string, query: Float32Array, n: number, skip: Skip, ef = RECOMMEND_EF) => vectorSearch(deps, ctx, market, query, n, skip, ef),
  };
}

export type Recommender = ReturnType<typeof createRecommender>;
