import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.ts';
import { createMemoryFeatureStore, type FeatureStore } from '../../src/feature-store/index.ts';
import { createBm25Index, createExactVectorIndex } from '../../src/index/index.ts';
import { createHashedContentEncoder } from '../../src/models/index.ts';
import { createTenants, lexicalDoc } from '../../src/online/index.ts';
import { catalogItem } from '../contracts/feature-store.contract.ts';

const DIM = 16;
const content = createHashedContentEncoder({ dim: DIM });
const indexes = { makeVectors: () => createExactVectorIndex({ dim: DIM }), makeLexical: () => createBm25Index(), content };

/** A memory store that records flushes and closes. */
function tracked(log: string[], tenant: string): FeatureStore {
  const s = createMemoryFeatureStore({ logger: silentLogger });
  return {
    ...s,
    flush: async () => {
      log.push(`flush ${tenant}`);
      await s.flush();
    },
    close: async () => {
      log.push(`close ${tenant}`);
      await s.close();
    },
  };
}

describe('tenants', () => {
  it('creates a tenant once, even for concurrent first gets', async () => {
    let made = 0;
    const tenants = createTenants({
      ...indexes,
      makeStore: async () => {
        made++;
        await new Promise((r) => setImmediate(r));
        return createMemoryFeatureStore({ logger: silentLogger });
      },
    });
    const [a, b] = await Promise.all([tenants.get('t1'), tenants.get('t1')]);
    expect(a).toBe(b);
    expect(a.tenant).toBe('t1');
    expect(made).toBe(1);
    await tenants.get('t2');
    expect(made).toBe(2);
    expect(tenants.list().map((t) => t.tenant)).toEqual(['t1', 't2']);
    await tenants.close();
  });

  it('rebuilds the indexes from the store’s catalog', async () => {
    const store = createMemoryFeatureStore({ logger: silentLogger });
    await store.apply([
      {
        eventId: 'e',
        updates: [
          { op: 'item.put', item: catalogItem('a', { titles: { de: 'Roter Schuh' }, descriptions: { en: 'comfy' }, availableIn: ['DE'] }) },
          { op: 'item.put', item: catalogItem('b', { titles: { fr: 'Sac' }, category: 'bags', availableIn: ['FR', 'BE'] }) },
        ],
      },
    ]);
    const tenants = createTenants({ ...indexes, makeStore: async () => store });
    const ctx = await tenants.get('default');
    expect(ctx.lexical.search('DE', 'schuh', 5).map((s) => s.id)).toEqual(['a']);
    expect(ctx.lexical.search('DE', 'comfy', 5).map((s) => s.id)).toEqual(['a']);
    expect(ctx.lexical.search('BE', 'sac', 5).map((s) => s.id)).toEqual(['b']);
    expect(ctx.vectors.size()).toBe(2);
    expect(ctx.vectors.markets().sort()).toEqual(['BE', 'DE', 'FR']);
    await tenants.close();
  });

  it('forgets a failed creation so the next get tries again', async () => {
    let attempt = 0;
    const tenants = createTenants({
      ...indexes,
      makeStore: async () => {
        if (++attempt === 1) throw new Error('store down');
        return createMemoryFeatureStore({ logger: silentLogger });
      },
    });
    await expect(tenants.get('t')).rejects.toThrow('store down');
    expect((await tenants.get('t')).tenant).toBe('t');
    expect(tenants.list()).toHaveLength(1);
    await tenants.close();
  });

  it('flushes and closes every store on close, then refuses new tenants', async () => {
    const log: string[] = [];
    const tenants = createTenants({ ...indexes, makeStore: async (t) => tracked(log, t) });
    await tenants.get('a');
    await tenants.get('b');
    await tenants.close();
    expect(log).toEqual(['flush a', 'close a', 'flush b', 'close b']);
    await expect(tenants.get('c')).rejects.toMatchObject({ code: 'tenants_closed' });
  });

  it('builds a lexical document from every locale’s title and description', () => {
    const doc = lexicalDoc(catalogItem('a', { titles: { en: 'Shoe', ja: '靴' }, descriptions: { de: 'Bequem' }, availableIn: ['DE', 'JP'] }));
    expect(doc).toEqual({ id: 'a', texts: ['Shoe', '靴', 'Bequem'], markets: ['DE', 'JP'] });
  });
});
