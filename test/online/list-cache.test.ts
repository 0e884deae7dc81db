import { describe, expect, it } from 'vitest';
import { createInstrumentation } from '../../src/core/index.ts';
import type { MeridianEvent } from '../../src/ingest/index.ts';
import { createListCache, type CachedList, type ListCacheOptions } from '../../src/online/index.ts';

interface List extends CachedList {
  n: number;
}

/** A cache on a clock the test moves, and a compute that counts its calls. */
function setup(options: ListCacheOptions = {}) {
  let t = 1000;
  let calls = 0;
  const instrumentation = createInstrumentation();
  const lookups: boolean[] = [];
  instrumentation.on('lists.cache', (p) => lookups.push(p.hit));
  const cache = createListCache({ maxAgeMs: 5000, now: () => t, instrumentation, ...options });
  const list = (items: string[], model = 'v1') => async (): Promise<List> => ({ items: items.map((id) => ({ id })), model, n: ++calls });
  return {
    cache,
    list,
    lookups,
    advance: (ms: number) => (t += ms),
    calls: () => calls,
  };
}

const click = (user: string, item = 'x'): MeridianEvent =>
  ({ id: `c-${user}-${item}`, type: 'click', tenant: 'default', market: 'DE', locale: 'de-DE', user_id: user, item_id: item, ts: 1 }) as MeridianEvent;
const sessionView = (session: string): MeridianEvent =>
  ({ id: `v-${session}`, type: 'view', tenant: 'default', market: 'DE', locale: 'de-DE', session_id: session, item_id: 'x', ts: 1 }) as MeridianEvent;
const upsert = (item: string): MeridianEvent =>
  ({ id: `up-${item}`, type: 'item_upsert', tenant: 'default', ts: 1, item_id: item, titles: { en: item }, category: 'c', prices: {}, available_in: ['DE'] }) as MeridianEvent;

describe('kept lists', () => {
  it('serves a repeated request from the kept list, and says so in instrumentation', async () => {
    const s = setup();
    const a = await s.cache.get('k', { shopper: 'u:1' }, 'v1', s.list(['A', 'B']));
    const b = await s.cache.get('k', { shopper: 'u:1' }, 'v1', s.list(['A', 'B']));
    expect(b).toBe(a);
    expect(s.calls()).toBe(1);
    expect(s.lookups).toEqual([false, true]);
    // Another key is another list.
    await s.cache.get('k2', { shopper: 'u:1' }, 'v1', s.list(['A']));
    expect(s.calls()).toBe(2);
  });

  it("the shopper's own event makes their lists stale at once; another shopper's does not", async () => {
    const s = setup();
    await s.cache.get('k', { shopper: 'u:1' }, 'v1', s.list(['A']));
    s.cache.applied(click('2'));
    expect((await s.cache.get('k', { shopper: 'u:1' }, 'v1', s.list(['A']))).n).toBe(1);
    s.cache.applied(click('1'));
    expect((await s.cache.get('k', { shopper: 'u:1' }, 'v1', s.list(['A']))).n).toBe(2);
    // A session's event stales the session's lists.
    await s.cache.get('ks', { shopper: 's:9' }, 'v1', s.list(['A']));
    s.cache.applied(sessionView('9'));
    expect((await s.cache.get('ks', { shopper: 's:9' }, 'v1', s.list(['A']))).n).toBe(4);
  });

  it('an event applied while a list is computed makes that list stale (it is not served afterwards)', async () => {
    const s = setup();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const pending = s.cache.get('k', { shopper: 'u:1' }, 'v1', async () => {
      await gate;
      return s.list(['A'])();
    });
    s.cache.applied(click('1'));
    release();
    expect((await pending).n).toBe(1);
    expect((await s.cache.get('k', { shopper: 'u:1' }, 'v1', s.list(['A']))).n).toBe(2);
    // The recomputed one, started after the event, is kept.
    expect((await s.cache.get('k', { shopper: 'u:1' }, 'v1', s.list(['A']))).n).toBe(2);
  });

  it('a catalog change stales the lists holding that item or about it, and no others', async () => {
    const s = setup();
    await s.cache.get('has-A', {}, 'v1', s.list(['A', 'B']));
    await s.cache.get('has-C', {}, 'v1', s.list(['C']));
    await s.cache.get('about-A', { item: 'A' }, 'v1', s.list(['D']));
    s.cache.applied(upsert('A'));
    expect((await s.cache.get('has-A', {}, 'v1', s.list(['B']))).n).toBe(4);
    expect((await s.cache.get('has-C', {}, 'v1', s.list(['C']))).n).toBe(2);
    expect((await s.cache.get('about-A', { item: 'A' }, 'v1', s.list(['D']))).n).toBe(5);
  });

  it('a list of another model version is not served, and one computed across a swap is not kept', async () => {
    const s = setup();
    await s.cache.get('k', {}, 'v1', s.list(['A']));
    expect((await s.cache.get('k', {}, 'v2', s.list(['A'], 'v2'))).n).toBe(2);
    expect((await s.cache.get('k', {}, 'v2', s.list(['A'], 'v2'))).n).toBe(2);
    // Asked under v3, answered by v4 (the swap landed while computing): not kept.
    await s.cache.get('k3', {}, 'v3', s.list(['A'], 'v4'));
    expect((await s.cache.get('k3', {}, 'v4', s.list(['A'], 'v4'))).n).toBe(4);
  });

  it("serves a list for maxAgeMs at most once other shoppers' events were applied; with none, at any age", async () => {
    const s = setup();
    await s.cache.get('k', {}, 'v1', s.list(['A']));
    s.advance(60_000);
    // Nothing was applied: the kept list is the list.
    expect((await s.cache.get('k', {}, 'v1', s.list(['A']))).n).toBe(1);
    s.cache.applied(click('someone'));
    expect((await s.cache.get('k', {}, 'v1', s.list(['A']))).n).toBe(2);
    s.cache.applied(click('someone-else'));
    s.advance(5000);
    expect((await s.cache.get('k', {}, 'v1', s.list(['A']))).n).toBe(2);
    s.advance(1);
    expect((await s.cache.get('k', {}, 'v1', s.list(['A']))).n).toBe(3);
  });

  it('forgets old changes without serving a stale list: a change older than maxAgeMs predates every list served', async () => {
    const s = setup();
    await s.cache.get('k', { shopper: 'u:1' }, 'v1', s.list(['A']));
    s.advance(100);
    s.cache.applied(click('1'));
    // Many later changes push the first out of the log's window ...
    s.advance(4000);
    for (let i = 0; i < 100; i++) s.cache.applied(click(`other-${i}`));
    // ... but the list it made stale is still not served.
    expect((await s.cache.get('k', { shopper: 'u:1' }, 'v1', s.list(['A']))).n).toBe(2);
  });

  it('keeps at most `entries` lists, dropping the least recently computed; 0 keeps none', async () => {
    const s = setup({ entries: 2 });
    await s.cache.get('a', {}, 'v1', s.list(['A']));
    await s.cache.get('b', {}, 'v1', s.list(['A']));
    await s.cache.get('c', {}, 'v1', s.list(['A']));
    expect(s.cache.size()).toBe(2);
    expect((await s.cache.get('b', {}, 'v1', s.list(['A']))).n).toBe(2);
    expect((await s.cache.get('a', {}, 'v1', s.list(['A']))).n).toBe(4);
    s.cache.resize(0);
    expect(s.cache.size()).toBe(0);
    await s.cache.get('a', {}, 'v1', s.list(['A']));
    await s.cache.get('a', {}, 'v1', s.list(['A']));
    expect(s.calls()).toBe(6);
    expect(() => s.cache.resize(-1)).toThrow(/entries/);
    expect(() => createListCache({ maxAgeMs: Number.NaN })).toThrow(/maxAgeMs/);
  });
});
