import { afterEach, describe, expect, it } from 'vitest';
import { dot } from '../../src/core/index.ts';
import type { FeatureStore } from '../../src/feature-store/index.ts';
import type { MeridianEvent } from '../../src/ingest/index.ts';
import { tempDir } from '../support/helpers.ts';
import { harness, MIN, search, shopper, T0, upsert, type Harness } from '../support/online-harness.ts';

/** Everything a reader can see of a tenant's store, for before/after comparisons. */
async function storeView(store: FeatureStore, users: string[], items: string[]): Promise<unknown> {
  return {
    users: await Promise.all(users.map((u) => store.getUser(u))),
    items: await store.getItems(items),
    trending: await store.topTrending('DE', 50),
    cooc: await Promise.all(items.map((i) => store.topCooc('view', i, 50))),
    buy: await Promise.all(items.map((i) => store.topCooc('buy', i, 50))),
    stats: await Promise.all(items.map((i) => store.getItemStats(i))),
    clicks: await store.topQueryClicks('schuh', 50),
  };
}

describe('online updater', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('applies a batch in event-time order, whatever the arrival order, and answers in input order', async () => {
    h = harness();
    await h.updater.apply(['a', 'b', 'c'].map((id) => upsert(id)));
    const evs = [shopper('view', 'c', T0 + 3 * MIN), shopper('view', 'a', T0 + MIN), shopper('view', 'b', T0 + 2 * MIN)];
    expect(await h.updater.apply(evs)).toEqual(['applied', 'applied', 'applied']);
    const { store, vectors } = await h.tenants.get('default');
    const u = await store.getUser('u:u1');
    expect(u?.recent.map((r) => r.item)).toEqual(['a', 'b', 'c']);
    expect(u?.counts).toEqual({ view: 3 });
    expect(u?.lastTs).toBe(T0 + 3 * MIN);
    // Pairs were formed in event-time order: c, the last, saw a and b before it.
    expect((await store.topCooc('view', 'c', 5)).map((s) => s.id).sort()).toEqual(['a', 'b']);
    expect((await store.topCooc('view', 'a', 5)).map((s) => s.id).sort()).toEqual(['b', 'c']);
    // The vector is the encoder applied in event-time order.
    const { encoder } = h;
    const va = vectors.vector('a') as Float32Array;
    const vb = vectors.vector('b') as Float32Array;
    const vc = vectors.vector('c') as Float32Array;
    const want = encoder.step(encoder.step(encoder.step(undefined, va, 'view', 0), vb, 'view', MIN), vc, 'view', MIN);
    expect(Array.from(u?.vector ?? [])).toEqual(Array.from(want));
  });

  it('is idempotent: a second apply of the same events changes nothing and logs nothing', async () => {
    h = harness();
    const batch: MeridianEvent[] = [
      upsert('a', { titles: { de: 'Roter Schuh' } }),
      upsert('b'),
      shopper('view', 'a', T0 + MIN),
      shopper('add_to_cart', 'b', T0 + 2 * MIN),
      shopper('purchase', 'b', T0 + 3 * MIN),
      shopper('review', 'b', T0 + 4 * MIN),
      search('roter schuh', 'a', T0 + 5 * MIN),
    ];
    const first = await h.updater.apply(batch);
    expect(first.every((r) => r === 'applied')).toBe(true);
    const { store } = await h.tenants.get('default');
    const before = await storeView(store, ['u:u1'], ['a', 'b']);
    expect(await h.eventStore.count()).toBe(batch.length);

    expect(await h.updater.apply(batch)).toEqual(batch.map(() => 'duplicate'));
    expect(await storeView(store, ['u:u1'], ['a', 'b'])).toEqual(before);
    // Appended again (a redelivery); the event store keeps each event once.
    expect(h.appended.map((a) => a.length)).toEqual([batch.length, batch.length]);
    expect(await h.eventStore.count()).toBe(batch.length);
    expect(h.applied.filter((p) => p.duplicate)).toHaveLength(batch.length);
  });

  it('appends a batch delivered again, so an event store that missed it gets every event once', async () => {
    h = harness();
    const first = [shopper('view', 'a', T0), shopper('view', 'b', T0 + MIN)];
    expect(await h.updater.apply(first)).toEqual(['applied', 'applied']);
    // A worker killed after the feature store's apply, before the event store's flush: the next one
    // (same feature store, an event store without those events) gets the batch again, and more.
    const { createOnlineUpdater } = await import('../../src/online/index.ts');
    const { createInstrumentation, silentLogger } = await import('../../src/core/index.ts');
    const { createMemoryEventStore } = await import('../../src/event-store/index.ts');
    const eventStore = createMemoryEventStore();
    const next = createOnlineUpdater({ tenants: h.tenants, encoder: h.encoder, content: h.content, eventStore, instrumentation: createInstrumentation(), logger: silentLogger });
    const redelivered = [...first, shopper('view', 'c', T0 + 2 * MIN)];
    expect(await next.apply(redelivered)).toEqual(['duplicate', 'duplicate', 'applied']);
    const ids: string[] = [];
    for await (const e of eventStore.scan()) ids.push(e.id);
    expect(ids).toEqual(redelivered.map((e) => e.id));
    const { store } = await h.tenants.get('default');
    expect((await store.getUser('u:u1'))?.counts).toEqual({ view: 3 });
  });

  it('asks the store which events it applied before in one call per batch, or per event where it cannot', async () => {
    h = harness();
    const { store } = await h.tenants.get('default');
    const batched = store.hasAppliedEach?.bind(store);
    const single = store.hasApplied.bind(store);
    const calls: string[][] = [];
    let singles = 0;
    store.hasAppliedEach = (ids) => {
      calls.push([...ids]);
      return (batched as NonNullable<typeof batched>)(ids);
    };
    store.hasApplied = (id) => {
      singles++;
      return single(id);
    };
    const batch = [shopper('view', 'a', T0 + MIN), shopper('view', 'b', T0), upsert('c')];
    await h.updater.apply([...batch, batch[0] as MeridianEvent]);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.slice().sort()).toEqual(batch.map((e) => e.id).sort()); // each id once
    expect(singles).toBe(0);
    delete store.hasAppliedEach;
    expect(await h.updater.apply([batch[1] as MeridianEvent, shopper('view', 'd', T0)])).toEqual(['duplicate', 'applied']);
    expect(singles).toBe(2);
    expect((await store.getUser('u:u1'))?.counts).toEqual({ view: 3 });
  });

  it('applies an id repeated within a batch once', async () => {
    h = harness();
    const v = shopper('view', 'a', T0);
    expect(await h.updater.apply([v, { ...v }])).toEqual(['applied', 'duplicate']);
    const { store } = await h.tenants.get('default');
    expect((await store.getUser('u:u1'))?.counts).toEqual({ view: 1 });
    expect(await h.eventStore.count()).toBe(1);
  });

  it('reports freshness from the event time and the apply time per event', async () => {
    h = harness({ now: () => T0 + 10_000 });
    await h.updater.apply([shopper('view', 'a', T0), shopper('click', 'a', T0 + 4_000)]);
    expect(h.applied.map((p) => [p.type, p.freshnessMs, p.duplicate])).toEqual([
      ['view', 10_000, false],
      ['click', 6_000, false],
    ]);
    expect(h.applied.every((p) => p.applyMs >= 0)).toBe(true);
  });

  it('makes an upserted item searchable in its markets only, and a delete removes it', async () => {
    h = harness();
    await h.updater.apply([
      upsert('boot', { titles: { de: 'Wanderstiefel aus Leder', ja: '革の登山靴' }, descriptions: { en: 'waterproof hiking' }, available_in: ['DE', 'AT'] }),
    ]);
    const ctx = await h.tenants.get('default');
    expect(ctx.lexical.search('DE', 'wanderstiefel', 5).map((s) => s.id)).toEqual(['boot']);
    expect(ctx.lexical.search('AT', '登山靴', 5).map((s) => s.id)).toEqual(['boot']);
    expect(ctx.lexical.search('DE', 'waterproof', 5).map((s) => s.id)).toEqual(['boot']);
    expect(ctx.lexical.search('FR', 'wanderstiefel', 5)).toEqual([]);
    const q = ctx.vectors.vector('boot') as Float32Array;
    expect(ctx.vectors.search('DE', q, 5).map((s) => s.id)).toEqual(['boot']);
    expect(ctx.vectors.search('FR', q, 5)).toEqual([]);
    expect(await ctx.store.getItem('boot')).toMatchObject({ id: 'boot', availableIn: ['DE', 'AT'] });

    await h.updater.apply([{ ...upsert('boot'), type: 'item_delete', id: 'del-boot', ts: T0 + MIN } as MeridianEvent]);
    expect(ctx.lexical.search('DE', 'wanderstiefel', 5)).toEqual([]);
    expect(ctx.vectors.has('boot')).toBe(false);
    expect(await ctx.store.getItem('boot')).toBeUndefined();
  });

  it('moves the shopper vector towards the category clicked', async () => {
    h = harness();
    const shoes = ['s1', 's2', 's3', 's4'];
    const bags = ['b1', 'b2', 'b3', 'b4'];
    await h.updater.apply([
      ...shoes.map((id, i) => upsert(id, { titles: { en: `running shoe ${i}` }, category: 'shoes' })),
      ...bags.map((id, i) => upsert(id, { titles: { en: `leather tote ${i}` }, category: 'bags' })),
    ]);
    await h.updater.apply([shopper('view', 'b1', T0 + MIN), shopper('click', 's1', T0 + 20 * MIN), shopper('click', 's2', T0 + 21 * MIN)]);
    const ctx = await h.tenants.get('default');
    const state = (await ctx.store.getUser('u:u1'))?.vector as Float32Array;
    const q = h.encoder.query(state);
    const mean = (ids: string[]) => ids.reduce((s, id) => s + dot(q, ctx.vectors.vector(id) as Float32Array), 0) / ids.length;
    expect(mean(shoes)).toBeGreaterThan(mean(bags) + 0.3);
    const hits = ctx.vectors.search('DE', q, 2, (id) => id === 's1' || id === 's2');
    expect(hits).toHaveLength(2);
    expect(hits.map((s) => s.id).every((id) => shoes.includes(id))).toBe(true);
  });

  it('uses an item upserted earlier in the same batch, and skips the vector for an unknown item', async () => {
    h = harness();
    await h.updater.apply([shopper('view', 'new', T0 + MIN), upsert('new'), shopper('view', 'ghost', T0 + 2 * MIN, { user_id: 'u2' })]);
    const { store } = await h.tenants.get('default');
    expect((await store.getUser('u:u1'))?.vector).toBeInstanceOf(Float32Array);
    const ghost = await store.getUser('u:u2');
    expect(ghost?.recent.map((r) => r.item)).toEqual(['ghost']);
    expect(ghost?.vector).toBeUndefined();
  });

  it('keeps tenants apart and logs every applied event once', async () => {
    h = harness();
    const other = { ...shopper('view', 'x', T0), tenant: 'acme' } as MeridianEvent;
    const mine = shopper('view', 'y', T0);
    expect(await h.updater.apply([other, mine])).toEqual(['applied', 'applied']);
    const a = await h.tenants.get('acme');
    const d = await h.tenants.get('default');
    expect((await a.store.getUser('u:u1'))?.recent.map((r) => r.item)).toEqual(['x']);
    expect((await d.store.getUser('u:u1'))?.recent.map((r) => r.item)).toEqual(['y']);
    expect(h.tenants.list().map((t) => t.tenant).sort()).toEqual(['acme', 'default']);
    expect(h.appended.flat().map((e) => e.id).sort()).toEqual([other.id, mine.id].sort());
  });

  it('serves as a bus handler', async () => {
    h = harness();
    const e = shopper('view', 'a', T0);
    await h.updater.handler([{ offset: 0, partition: 0, event: e }]);
    expect(await (await h.tenants.get('default')).store.hasApplied(e.id)).toBe(true);
  });

  it('rejects an encoder pair of different sizes', async () => {
    const { createOnlineUpdater } = await import('../../src/online/index.ts');
    const { createDecayMixEncoder, createHashedContentEncoder } = await import('../../src/models/index.ts');
    const { createInstrumentation, silentLogger } = await import('../../src/core/index.ts');
    h = harness();
    expect(() =>
      createOnlineUpdater({
        tenants: h!.tenants,
        encoder: createDecayMixEncoder({ dim: 8 }),
        content: createHashedContentEncoder({ dim: 16 }),
        eventStore: h!.eventStore,
        instrumentation: createInstrumentation(),
        logger: silentLogger,
      }),
    ).toThrow(/dim/);
  });

  it('restores a snapshot and rebuilds the indexes, so the catalog is searchable at once', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const first = harness({ dir });
      await first.updater.apply([
        upsert('a', { titles: { de: 'Roter Schuh' }, available_in: ['DE'] }),
        upsert('b', { titles: { fr: 'Sac en cuir' }, category: 'bags', available_in: ['FR'] }),
        shopper('view', 'a', T0 + MIN),
      ]);
      await first.close(); // flushes every tenant's snapshot

      h = harness({ dir });
      const ctx = await h.tenants.get('default');
      expect(ctx.lexical.search('DE', 'schuh', 5).map((s) => s.id)).toEqual(['a']);
      expect(ctx.lexical.search('FR', 'cuir', 5).map((s) => s.id)).toEqual(['b']);
      expect(ctx.vectors.size('DE')).toBe(1);
      expect(ctx.vectors.size('FR')).toBe(1);
      expect(Array.from(ctx.vectors.vector('a') ?? [])).toEqual(Array.from(h.content.encode({ titles: { de: 'Roter Schuh' }, category: 'shoes' })));
      expect((await ctx.store.getUser('u:u1'))?.recent.map((r) => r.item)).toEqual(['a']);
      // The restored store still knows what it applied.
      expect(await h.updater.apply([upsert('c')])).toEqual(['applied']);
    } finally {
      await h?.close();
      h = undefined;
      await cleanup();
    }
  });
});
