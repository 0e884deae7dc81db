import { afterEach, describe, expect, it } from 'vitest';
import type { EventStore, RejectedEvent, RejectedEvents } from '../../src/event-store/index.ts';
import { uniquePrefix } from '../support/helpers.ts';
import { view } from '../support/samples.ts';

/**
 * What a ClickHouse event store (chDB or the server) does with rows it cannot take. The bad row is
 * made by going around validation: `append` on the port takes any MeridianEvent, and a lone
 * surrogate in `user_id` is JSON ClickHouse refuses (CANNOT_PARSE_ESCAPE_SEQUENCE). `make` opens a
 * store that hands refused events to `rejected`, flushing only on `flush` (a long interval).
 */
export function refusedRowsContract(name: string, make: (rejected: RejectedEvents) => Promise<EventStore>): void {
  describe(`EventStore refused rows: ${name}`, () => {
    const opened: EventStore[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });
    const open = async () => {
      const letters: RejectedEvent[] = [];
      const store = await make(async (rows) => void letters.push(...rows));
      opened.push(store);
      return { store, letters };
    };

    it('a row the store refuses is dead-lettered with its reason; the rest of the batch is stored', async () => {
      const { store, letters } = await open();
      const tenant = uniquePrefix('rf');
      const events = Array.from({ length: 40 }, (_, i) => view(tenant, i, i === 17 || i === 30 ? { user_id: `x\ud800${i}` } : {}));
      await store.append(events);
      await store.flush();
      expect(await store.count({ tenant })).toBe(38);
      expect(letters.map((l) => l.event.id)).toEqual([events[17]?.id, events[30]?.id]);
      for (const l of letters) expect(l.reason).toMatch(/^the event store refused the event: .*Code: 25/);
      const stored: string[] = [];
      for await (const e of store.scan({ tenant })) stored.push(e.id);
      expect(stored.sort()).toEqual(events.filter((_, i) => i !== 17 && i !== 30).map((e) => e.id).sort());
    });

    it('storage goes on after a refused row: the next batches are stored, nothing stays pending', async () => {
      const { store, letters } = await open();
      const tenant = uniquePrefix('rf');
      await store.append([view(tenant, 0, { user_id: 'u\ud800' })]);
      await store.flush();
      await store.append([view(tenant, 1), view(tenant, 2)]);
      await store.flush();
      expect(await store.count({ tenant })).toBe(2);
      expect(letters).toHaveLength(1);
    });
  });
}
