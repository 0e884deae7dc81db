import { afterEach, describe, expect, it } from 'vitest';
import type { BusRecord, EventBus } from '../../src/bus/index.ts';
import type { MeridianEvent } from '../../src/ingest/index.ts';
import { uniquePrefix, waitFor } from '../support/helpers.ts';
import { view } from '../support/samples.ts';

/** What a handler saw of one tenant's events: ids in handling order, and every (partition, offset). */
interface Seen {
  ids: string[];
  positions: [number, number][];
}

function collector(tenant: string): { seen: Seen; handler: (records: readonly BusRecord[]) => Promise<void> } {
  const seen: Seen = { ids: [], positions: [] };
  return {
    seen,
    handler: async (records) => {
      for (const r of records) {
        if (r.event.tenant !== tenant) continue; // a shared topic may carry other tests' events
        seen.ids.push(r.event.id);
        seen.positions.push([r.partition, r.offset]);
      }
    },
  };
}

const idsOf = (events: readonly MeridianEvent[]): string[] => events.map((e) => e.id);

/** Offsets never go backwards within a partition. */
function expectIncreasingOffsets(positions: readonly [number, number][]): void {
  const last = new Map<number, number>();
  for (const [partition, offset] of positions) {
    expect(offset).toBeGreaterThan(last.get(partition) ?? -1);
    last.set(partition, offset);
  }
}

/**
 * The EventBus port, for every adapter. `make` returns a fresh bus (its own log or topic); the
 * bus may deliver asynchronously, so effects are awaited with waitFor. Tenants, ids and groups
 * are unique per test.
 */
export function eventBusContract(name: string, make: () => Promise<EventBus>): void {
  describe(`EventBus contract: ${name}`, () => {
    const opened: EventBus[] = [];
    const open = async (): Promise<EventBus> => {
      const bus = await make();
      opened.push(bus);
      return bus;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((b) => b.close()));
    });

    it('delivers one shopper\'s events in publish order, with increasing offsets', async () => {
      const bus = await open();
      const tenant = uniquePrefix('bus');
      const { seen, handler } = collector(tenant);
      await bus.subscribe(uniquePrefix('g'), handler);
      const events = Array.from({ length: 30 }, (_, i) => view(tenant, i));
      await bus.publish(events.slice(0, 10));
      await bus.publish(events.slice(10, 11));
      await bus.publish(events.slice(11));
      await waitFor(() => seen.ids.length >= events.length, { what: 'all events delivered' });
      expect(seen.ids).toEqual(idsOf(events));
      expectIncreasingOffsets(seen.positions);
    });

    it('gives every consumer group every event', async () => {
      const bus = await open();
      const tenant = uniquePrefix('bus');
      const a = collector(tenant);
      const b = collector(tenant);
      await bus.subscribe(uniquePrefix('ga'), a.handler);
      await bus.subscribe(uniquePrefix('gb'), b.handler);
      const events = Array.from({ length: 12 }, (_, i) => view(tenant, i));
      await bus.publish(events);
      await waitFor(() => a.seen.ids.length >= 12 && b.seen.ids.length >= 12, { what: 'both groups' });
      expect(a.seen.ids).toEqual(idsOf(events));
      expect(b.seen.ids).toEqual(idsOf(events));
    });

    it('lets a late subscriber catch up on events published before it subscribed', async () => {
      const bus = await open();
      const tenant = uniquePrefix('bus');
      const early = Array.from({ length: 25 }, (_, i) => view(tenant, i));
      await bus.publish(early);
      const { seen, handler } = collector(tenant);
      await bus.subscribe(uniquePrefix('late'), handler);
      const later = [view(tenant, 25)];
      await bus.publish(later);
      await waitFor(() => seen.ids.length >= 26, { what: 'catch-up and new event' });
      expect(seen.ids).toEqual(idsOf([...early, ...later]));
    });

    it('commits after the handler: handled events are not delivered again', async () => {
      const bus = await open();
      const tenant = uniquePrefix('bus');
      const { seen, handler } = collector(tenant);
      let calls = 0;
      await bus.subscribe(uniquePrefix('g'), async (records) => {
        calls++;
        await handler(records);
      });
      const events = Array.from({ length: 9 }, (_, i) => view(tenant, i));
      for (let i = 0; i < events.length; i += 3) {
        await bus.publish(events.slice(i, i + 3));
        await waitFor(() => seen.ids.length >= i + 3, { what: `batch ${i / 3}` });
      }
      expect(seen.ids).toEqual(idsOf(events)); // each exactly once, in order
      expect(calls).toBeGreaterThanOrEqual(3);
    });

    it('redelivers from the committed offset after a handler fails, losing nothing', async () => {
      const bus = await open();
      const tenant = uniquePrefix('bus');
      const handled: string[] = [];
      const attempts = new Map<string, number>();
      let failures = 0;
      await bus.subscribe(uniquePrefix('g'), async (records) => {
        const mine = records.filter((r) => r.event.tenant === tenant);
        for (const r of mine) attempts.set(r.event.id, (attempts.get(r.event.id) ?? 0) + 1);
        if (mine.length > 0 && failures === 0) {
          failures++;
          throw new Error('handler down');
        }
        for (const r of mine) handled.push(r.event.id);
      });
      const first = Array.from({ length: 5 }, (_, i) => view(tenant, i));
      const second = Array.from({ length: 5 }, (_, i) => view(tenant, 5 + i));
      // Whether publish reports the failure is the adapter's business; the events must survive it.
      await bus.publish(first).catch(() => undefined);
      await bus.publish(second).catch(() => undefined);
      await waitFor(() => handled.length >= 10, { what: 'redelivery' });
      expect(handled).toEqual(idsOf([...first, ...second]));
      expect(failures).toBe(1);
      expect(attempts.get(first[0]?.id ?? '')).toBeGreaterThanOrEqual(2);
    });

    it('accepts an empty publish and answers ping while open', async () => {
      const bus = await open();
      await bus.publish([]);
      expect(await bus.ping()).toBe(true);
      expect(typeof bus.kind).toBe('string');
    });
  });
}
