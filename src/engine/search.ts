import { dot, tokenize, type Instrumentation } from '../core/index.ts';
import type { ContentEncoder, UserEncoder } from '../models/index.ts';
import type { TenantContext } from '../online/index.ts';
import { Candidates, hydrate } from './hydrate.ts';
import { shopperOf } from './recommend.ts';
import type { ItemList, SearchQuery } from './types.ts';

export const SEARCH_WEIGHTS = Object.freeze({
  lexical: 1.0,
  /** Items shoppers clicked after searching these words: how a query finds titles in other languages. */
  clicks: 0.8,
  /** Content-vector similarity to the query text: recall for words no title shares exactly. */
  semantic: 0.3,
  /** Re-ranking by the shopper's own vector. */
  personal: 0.35,
});

export interface SearcherDeps {
  encoder: UserEncoder;
  content: ContentEncoder;
  instrumentation: Instrumentation;
  modelVersion: () => string;
}

/** Hybrid search: BM25 + learned search-then-click + content vectors, personalized when a shopper is known. */
export function createSearcher(deps: SearcherDeps) {
  const { encoder, content, instrumentation } = deps;

  async function addClicks(ctx: TenantContext, c: Candidates, tokens: readonly string[], n: number): Promise<void> {
    if (tokens.length === 0) return;
    const lists = await Promise.all(tokens.map((t) => ctx.store.topQueryClicks(t, n)));
    const sums = new Map<string, number>();
    for (const l of lists) {
      const max = l[0]?.score ?? 0;
      if (max > 0) for (const s of l) sums.set(s.id, (sums.get(s.id) ?? 0) + s.score / max);
    }
    for (const [id, s] of sums) c.add(id, (SEARCH_WEIGHTS.clicks * s) / tokens.length, 'search');
  }

  return async function search(ctx: TenantContext, q: SearchQuery): Promise<ItemList> {
    const n = q.k * 5 + 20;
    const c = new Candidates();
    const t0 = performance.now();
    const lexical = ctx.lexical.search(q.market, q.q, n);
    instrumentation.emit('index.search', { kind: 'lexical', ms: performance.now() - t0 });
    const top = lexical[0]?.score ?? 0;
    if (top > 0) for (const h of lexical) c.add(h.id, (SEARCH_WEIGHTS.lexical * h.score) / top, 'search');
    const tokens = [...new Set(tokenize(q.q, q.locale ?? 'und'))].slice(0, 16);
    await addClicks(ctx, c, tokens, 20);
    if (c.size < q.k * 2) {
      const qv = content.encode({ titles: { und: q.q }, category: '' });
      const t1 = performance.now();
      const hits = ctx.vectors.search(q.market, qv, n);
      instrumentation.emit('index.search', { kind: 'vector', ms: performance.now() - t1 });
      for (const h of hits) c.add(h.id, SEARCH_WEIGHTS.semantic * h.score, 'search');
    }
    const key = shopperOf(q);
    const state = key === undefined ? undefined : await ctx.store.getUser(key);
    if (state?.vector !== undefined) {
      const uq = encoder.query(state.vector);
      c.rescore((id, score) => {
        const v = ctx.vectors.vector(id);
        return v === undefined ? undefined : score + SEARCH_WEIGHTS.personal * dot(uq, v);
      }, 'search_personalized');
    }
    return { items: await hydrate(ctx.store, c, q), model: deps.modelVersion() };
  };
}
