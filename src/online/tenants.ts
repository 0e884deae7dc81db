import { MeridianError, silentLogger, type Logger } from '../core/index.ts';
import type { CatalogItem } from '../features/index.ts';
import type { FeatureStore } from '../feature-store/index.ts';
import type { LexicalDoc, LexicalIndex, VectorIndex } from '../index/index.ts';
import type { ContentEncoder } from '../models/index.ts';
import { createListCache, type ListCache, type ListCacheOptions } from './list-cache.ts';
import type { SequenceService } from '../models/index.ts';

/** Everything the engine keeps for one tenant: its feature store namespace, its indexes and its sequence model. */
export interface TenantContext {
  readonly tenant: string;
  readonly store: FeatureStore;
  readonly vectors: VectorIndex;
  readonly lexical: LexicalIndex;
  /** The evaluated sequence model, fed per applied event (absent where nothing serves recommendations). */
  readonly sequence?: SequenceService | undefined;
  /** Computed lists kept for repeated requests, told of every applied event (absent: none kept). */
  readonly lists?: ListCache | undefined;
}

/** Tenants are created on first use from the configured adapters. */
export interface Tenants {
  get(tenant: string): Promise<TenantContext>;
  /** Tenants created so far. */
  list(): TenantContext[];
  close(): Promise<void>;
}

/** The lexical document of a catalog item: every locale's title and description. */
export function lexicalDoc(item: CatalogItem): LexicalDoc {
  return {
    id: item.id,
    texts: [...Object.values(item.titles), ...Object.values(item.descriptions)],
    markets: item.availableIn,
  };
}

/** Puts a catalog item into both indexes of a tenant (content vector and lexical document). */
export function indexItem(ctx: Pick<TenantContext, 'vectors' | 'lexical'>, item: CatalogItem, vector: Float32Array): void {
  ctx.vectors.upsert(item.id, vector, item.availableIn);
  ctx.lexical.upsert(lexicalDoc(item));
}

export interface TenantsOptions {
  makeStore: (tenant: string) => Promise<FeatureStore>;
  makeVectors: (tenant: string) => VectorIndex;
  makeLexical: (tenant: string) => LexicalIndex;
  content: ContentEncoder;
  /** The tenant's sequence model, rebuilt from its stored events; omitted: none. */
  makeSequence?: (tenant: string) => Promise<SequenceService>;
  /** Each tenant's kept lists; omitted: none kept. */
  listCache?: ListCacheOptions;
  logger?: Logger;
}

/**
 * Tenants created on first use. Creating one opens its feature store and rebuilds its indexes from
 * the store's catalog, so a restored snapshot is searchable as soon as `get` resolves. Concurrent
 * first `get`s share one creation; a failed creation is forgotten so the next `get` tries again.
 */
export function createTenants({ makeStore, makeVectors, makeLexical, content, makeSequence, listCache, logger = silentLogger }: TenantsOptions): Tenants {
  const creating = new Map<string, Promise<TenantContext>>();
  const ready = new Map<string, TenantContext>();
  let closed = false;

  async function create(tenant: string): Promise<TenantContext> {
    const store = await makeStore(tenant);
    let sequence: SequenceService | undefined;
    try {
      const t0 = performance.now();
      sequence = await makeSequence?.(tenant);
      const lists = listCache === undefined ? undefined : createListCache(listCache);
      const ctx: TenantContext = { tenant, store, vectors: makeVectors(tenant), lexical: makeLexical(tenant), sequence, lists };
      let items = 0;
      for await (const item of store.allItems()) {
        indexItem(ctx, item, content.encode(item));
        items++;
      }
      logger.info('tenant ready', { tenant, items, ...(sequence === undefined ? {} : { sequence: await sequence.size() }), ms: Math.round(performance.now() - t0) });
      ready.set(tenant, ctx);
      return ctx;
    } catch (e) {
      await sequence?.close();
      await store.close();
      throw e;
    }
  }

  return {
    get(tenant) {
      if (closed) return Promise.reject(new MeridianError('tenants_closed', 'tenants are closed', { statusCode: 503 }));
      let p = creating.get(tenant);
      if (p === undefined) {
        p = create(tenant);
        creating.set(tenant, p);
        p.catch(() => creating.delete(tenant));
      }
      return p;
    },
    list: () => Array.from(ready.values()),
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled(creating.values());
      const errors: unknown[] = [];
      for (const ctx of ready.values()) {
        // Each operation in its own try: a sequence thread that fails to stop must not cost the snapshot.
        try {
          await ctx.sequence?.close();
        } catch (e) {
          errors.push(e);
        }
        try {
          await ctx.store.flush();
        } catch (e) {
          errors.push(e);
        }
        try {
          await ctx.store.close();
        } catch (e) {
          errors.push(e);
        }
      }
      if (errors.length > 0) throw new MeridianError('tenants_flush_failed', `${errors.length} close operation(s) failed`, { cause: errors[0] });
    },
  };
}
