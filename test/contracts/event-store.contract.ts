import { afterEach, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/event-store/index.ts';
import type { MeridianEvent } from '../../src/ingest/index.ts';
import { createRng } from '../../src/core/index.ts';
import { uniquePrefix } from '../support/helpers.ts';
import { everyType, view } from '../support/samples.ts';

const DAY = 86_400_000;

async function all(store: EventStore, range: Parameters<EventStore['scan']>[0]): Promise<MeridianEvent[]> {
  const out: MeridianEvent[] = [];
  for await (const e of store.scan(range)) out.push(e);
  return out;
}

const byTimeThenId = (a: MeridianEvent, b: MeridianEvent): number => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The EventStore port, for every adapter. Each call of `make` opens a new handle on the SAME
 * storage (as a restart would), so what one handle flushed another can read. Tenants are unique
 * per test, so tests share the storage without seeing each other's events.
 */
export function eventStoreContract(name: string, make: () => Promise<EventStore>): void {
  describe(`EventStore contract: ${name}`, () => {
    const opened: EventStore[] = [];
    const open = async (): Promise<EventStore> => {
      const store = await make();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('scans flushed events in time-then-id order, whatever the append order', async () => {
      const store = await open();
      const tenant = uniquePrefix('st');
      // Many events share a timestamp, so the id decides between them.
      const events = Array.from({ length: 200 }, (_, i) => view(tenant, i, { ts: 1_700_000_000_000 + Math.floor(i / 7) * 1000 }));
      const shuffled = [...events];
      const rng = createRng(7);
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j] as MeridianEvent, shuffled[i] as MeridianEvent];
      }
      await store.append(shuffled.slice(0, 120));
      await store.append(shuffled.slice(120));
      await store.flush();
      expect(await all(store, { tenant })).toEqual([...events].sort(byTimeThenId));
      expect(await store.count({ tenant })).toBe(200);
    });

    it('keeps every field of every event type', async () => {
      const store = await open();
      const tenant = uniquePrefix('st');
      const events = everyType(tenant);
      await store.append(events);
      await store.flush();
      expect(await all(store, { tenant })).toEqual(events);
    });

    it('filters by tenant, user and time (from inclusive, to exclusive)', async () => {
      const store = await open();
      const t1 = uniquePrefix('st');
      const t2 = uniquePrefix('st');
      const base = 1_700_000_000_000;
      const events = [
        view(t1, 1, { user_id: 'ann', ts: base }),
        view(t1, 2, { user_id: 'bob', ts: base + DAY }),
        view(t1, 3, { user_id: 'ann', ts: base + 2 * DAY }),
        view(t1, 4, { user_id: undefined, session_id: 'ann', ts: base + 2 * DAY }), // a session, not the user
        view(t2, 5, { user_id: 'ann', ts: base + DAY }),
      ];
      await store.append(events);
      await store.flush();
      const ids = async (range: Parameters<EventStore['scan']>[0]): Promise<string[]> => (await all(store, range)).map((e) => e.id);
      const id = (i: number): string => (events[i - 1] as MeridianEvent).id;
      expect(await ids({ tenant: t1 })).toEqual([id(1), id(2), id(3), id(4)]);
      expect(await ids({ tenant: t1, user: 'ann' })).toEqual([id(1), id(3)]);
      expect(await ids({ tenant: t1, from: base + DAY })).toEqual([id(2), id(3), id(4)]);
      expect(await ids({ tenant: t1, to: base + 2 * DAY })).toEqual([id(1), id(2)]);
      expect(await ids({ tenant: t1, from: base + DAY, to: base + DAY + 1 })).toEqual([id(2)]);
      expect(await ids({ tenant: t2 })).toEqual([id(5)]);
      expect(await store.count({ tenant: t1, user: 'ann' })).toBe(2);
      expect(await store.count({ tenant: t1, from: base + DAY })).toBe(3);
      expect(await store.count({ tenant: t1, from: base + 3 * DAY })).toBe(0);
    });

    it('treats tenant and user as data, never as query text', async () => {
      const store = await open();
      const tenant = uniquePrefix('st');
      const odd = "o'brien\\'); --";
      await store.append([view(tenant, 1, { user_id: odd }), view(tenant, 2, { user_id: 'plain' })]);
      await store.flush();
      expect((await all(store, { tenant, user: odd })).map((e) => e.user_id)).toEqual([odd]);
      expect(await store.count({ tenant: "x' OR '1'='1" })).toBe(0);
      expect(await store.count({ tenant: `${tenant}\\` })).toBe(0);
    });

    it('pages through a scan larger than a page, in order and without gaps', async () => {
      const store = await open();
      const tenant = uniquePrefix('st');
      const n = 12_345;
      // Spread over ten days with ties, so pages cross day and timestamp boundaries.
      const events = Array.from({ length: n }, (_, i) => view(tenant, i, { ts: 1_700_000_000_000 + Math.floor(i / 3) * 700 * 1000 }));
      for (let i = 0; i < n; i += 5000) await store.append(events.slice(i, i + 5000));
      await store.flush();
      let count = 0;
      let prev: MeridianEvent | undefined;
      for await (const e of store.scan({ tenant })) {
        if (prev !== undefined) expect(byTimeThenId(prev, e)).toBeLessThan(0);
        prev = e;
        count++;
      }
      expect(count).toBe(n);
      expect(await store.count({ tenant })).toBe(n);
      const from = events[5001]?.ts ?? 0; // 5001 starts a run of three equal timestamps
      expect(await store.count({ tenant, from })).toBe(n - 5001);
    });

    it('keeps an event appended again (same tenant and id) once, in scans and counts', async () => {
      const tenant = uniquePrefix('st');
      const other = uniquePrefix('st');
      // More than a page (1000 in the adapters' tests), spread over two days, so pages cross copies.
      const events = Array.from({ length: 1500 }, (_, i) => view(tenant, i, { user_id: `u${i % 3}`, ts: 1_700_000_000_000 + i * 100_000 }));
      const first = await open();
      await first.append(events.slice(0, 1000));
      await first.append(events.slice(0, 10)); // repeated before the flush
      await first.flush();
      await first.append(events.slice(500)); // 500 repeated after a flush, 500 new
      const sameId = (events[1] as MeridianEvent).id;
      await first.append([view(other, 1, { id: sameId })]); // the same id in another tenant is another event
      await first.close();
      const second = await open(); // a restarted worker appends its redelivered batch again
      await second.append(events.slice(1400));
      await second.flush();
      expect(await all(second, { tenant })).toEqual(events);
      expect(await second.count({ tenant })).toBe(1500);
      expect(await second.count({ tenant, user: 'u1' })).toBe(500);
      expect(await second.count({ tenant, from: events[1450]?.ts })).toBe(50);
      expect((await all(second, { tenant: other })).map((e) => e.id)).toEqual([sameId]);
    });

    it('makes appends visible after flush, and close flushes what is pending', async () => {
      const tenant = uniquePrefix('st');
      const first = await open();
      await first.append([view(tenant, 1)]);
      await first.flush();
      expect(await first.count({ tenant })).toBe(1);
      await first.append([view(tenant, 2), view(tenant, 3)]);
      await first.close();
      const second = await open();
      expect((await all(second, { tenant })).map((e) => e.id)).toEqual([view(tenant, 1).id, view(tenant, 2).id, view(tenant, 3).id]);
      expect(await second.ping()).toBe(true);
    });
  });
}
