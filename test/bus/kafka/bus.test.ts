import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MeridianError, createInstrumentation } from '../../../src/core/index.ts';
import { type BusRecord } from '../../../src/bus/index.ts';
import { type MeridianEvent } from '../../../src/ingest/index.ts';
import { eventBusContract } from '../../contracts/event-bus.contract.ts';
import { uniquePrefix, waitFor } from '../../support/helpers.ts';
import { kafkaFixture } from '../../support/kafka.ts';
import { VALID, view } from '../../support/samples.ts';

const contractKafka = kafkaFixture();
eventBusContract('kafka', () => contractKafka.bus());
afterAll(() => contractKafka.cleanup());

const ids = (events: readonly { id: string }[]): string[] => events.map((e) => e.id);

describe('kafka bus', () => {
  const kafka = kafkaFixture();
  afterEach(() => kafka.cleanup());

  it('resolves publish once the broker holds the events, keyed so each shopper keeps one partition', async () => {
    const bus = await kafka.bus();
    const tenant = uniquePrefix('t');
    const events = Array.from({ length: 40 }, (_, i) => view(tenant, i, { user_id: `u${i % 8}` }));
    await bus.publish(events);
    const admin = await kafka.admin();
    const offsets = await admin.fetchTopicOffsets(bus.topic);
    expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(40);
    const messages = await kafka.readTopic(bus.topic, 40);
    for (const m of messages) {
      expect(m.key?.toString()).toMatch(new RegExp(`^${tenant}/u:u\\d$`));
      expect(m.headers?.type?.toString()).toBe('view');
      expect((JSON.parse(m.value?.toString() ?? '') as MeridianEvent).tenant).toBe(tenant);
    }
  });

  it('keeps the call order of many concurrent single-event publishes', async () => {
    const bus = await kafka.bus();
    const tenant = uniquePrefix('t');
    const seen: string[] = [];
    await bus.subscribe(uniquePrefix('g'), async (records) => {
      for (const r of records) seen.push(r.event.id);
    });
    const events = Array.from({ length: 300 }, (_, i) => view(tenant, i)); // one shopper
    await Promise.all(events.map((e) => bus.publish([e])));
    await waitFor(() => seen.length >= 300, { what: '300 events' });
    expect(seen).toEqual(ids(events));
  });

  it('keeps each shopper\'s events in publish order while shoppers spread over partitions', async () => {
    const bus = await kafka.bus({ partitions: 4 });
    const tenant = uniquePrefix('t');
    const seen = new Map<string, { ids: string[]; partitions: Set<number> }>();
    await bus.subscribe(uniquePrefix('g'), async (records) => {
      for (const r of records) {
        const user = r.event.user_id ?? '';
        const s = seen.get(user) ?? { ids: [], partitions: new Set<number>() };
        s.ids.push(r.event.id);
        s.partitions.add(r.partition);
        seen.set(user, s);
      }
    });
    const events = Array.from({ length: 600 }, (_, i) => view(tenant, i, { user_id: `shopper-${i % 30}` }));
    for (let i = 0; i < events.length; i += 100) await bus.publish(events.slice(i, i + 100));
    await waitFor(() => [...seen.values()].reduce((n, s) => n + s.ids.length, 0) >= events.length, { what: '600 events' });
    const used = new Set<number>();
    for (let u = 0; u < 30; u++) {
      const s = seen.get(`shopper-${u}`);
      expect(s?.ids).toEqual(ids(events.filter((e) => e.user_id === `shopper-${u}`)));
      expect(s?.partitions.size).toBe(1);
      for (const p of s?.partitions ?? []) used.add(p);
    }
    expect(used.size).toBeGreaterThan(1);
  });

  it('commits only handled events: a consumer that fails before committing leaves them to the next one', async () => {
    const topic = uniquePrefix('meridian-test');
    const group = uniquePrefix('g');
    const tenant = uniquePrefix('t');
    const instrumentation = createInstrumentation();
    let deadLetters = 0;
    instrumentation.on('deadletter.written', () => deadLetters++);
    const first = await kafka.bus({ topic, instrumentation });
    const handled: string[] = [];
    const attempted = new Set<string>();
    let down = false;
    await first.subscribe(group, async (records) => {
      for (const r of records) attempted.add(r.event.id);
      // A retriable error is an outage: retried until the consumer goes away, never dead-lettered.
      if (down) throw new MeridianError('event_store_unavailable', 'store down', { retriable: true, statusCode: 503 });
      for (const r of records) handled.push(r.event.id);
    });
    const a = Array.from({ length: 5 }, (_, i) => view(tenant, i));
    const b = Array.from({ length: 5 }, (_, i) => view(tenant, 5 + i));
    await first.publish(a);
    await waitFor(() => handled.length === 5, { what: 'first batch handled' });
    down = true;
    await first.publish(b);
    await waitFor(() => ids(b).every((id) => attempted.has(id)), { what: 'second batch attempted' });
    await first.close();
    expect(deadLetters).toBe(0); // an outage is waited out, not dead-lettered

    const second = await kafka.bus({ topic });
    const again: string[] = [];
    await second.subscribe(group, async (records) => {
      for (const r of records) again.push(r.event.id);
    });
    await waitFor(() => again.length >= 5, { what: 'redelivery to the new consumer' });
    expect(again).toEqual(ids(b));
    expect(handled).toEqual(ids(a));
  });

  it('leaves the group on close after committing what it handled', async () => {
    const bus = await kafka.bus();
    const group = uniquePrefix('g');
    const tenant = uniquePrefix('t');
    let count = 0;
    await bus.subscribe(group, async (records) => {
      count += records.length;
    });
    const admin = await kafka.admin();
    const [joined] = (await admin.describeGroups([group])).groups;
    expect(joined?.state).toBe('Stable');
    expect(joined?.members).toHaveLength(1);
    await bus.publish(Array.from({ length: 30 }, (_, i) => view(tenant, i, { user_id: `u${i}` })));
    await waitFor(() => count === 30, { what: '30 handled' });
    await bus.close();
    const [left] = (await admin.describeGroups([group])).groups;
    expect(left?.state).toBe('Empty');
    expect(left?.members).toEqual([]);
    const ends = await admin.fetchTopicOffsets(bus.topic);
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [bus.topic] });
    for (const end of ends.filter((e) => e.high !== '0')) {
      expect(committed?.partitions.find((p) => p.partition === end.partition)?.offset).toBe(end.high);
    }
    expect(await bus.ping()).toBe(false);
  });

  it('starts a new group where another group committed, and follows only the types asked for', async () => {
    const topic = uniquePrefix('meridian-test');
    const tenant = uniquePrefix('t');
    const leader = uniquePrefix('leader');
    const bus = await kafka.bus({ topic });
    let led = 0;
    await bus.subscribe(leader, async (records) => {
      led += records.length;
    });
    const before = Array.from({ length: 12 }, (_, i) => view(tenant, i, { user_id: `u${i % 5}` }));
    await bus.publish(before);
    await waitFor(() => led === 12, { what: 'leader handled the first events' });
    await bus.close(); // commits and leaves

    const follower = await kafka.bus({ topic });
    const followed: BusRecord[] = [];
    await follower.subscribe(
      uniquePrefix('follower'),
      async (records) => {
        followed.push(...records);
      },
      { startFrom: { group: leader }, types: ['item_upsert', 'item_delete'] },
    );
    const upsert = { ...VALID.item_upsert, id: `${tenant}-up`, tenant } as MeridianEvent;
    const del = { ...VALID.item_delete, id: `${tenant}-del`, tenant } as MeridianEvent;
    await follower.publish([view(tenant, 100), upsert, view(tenant, 101), del]);
    await waitFor(() => followed.length >= 2, { what: 'the catalog events' });
    expect(followed.map((r) => r.event.id).sort()).toEqual([del.id, upsert.id].sort());
  });

  it('refuses a second subscription of one group and a bad option, and says when it is closed', async () => {
    const bus = await kafka.bus();
    const group = uniquePrefix('g');
    await bus.subscribe(group, async () => undefined);
    await expect(bus.subscribe(group, async () => undefined)).rejects.toMatchObject({ code: 'bus_group_exists' });
    await bus.close();
    await expect(bus.publish([view('t', 1)])).rejects.toMatchObject({ code: 'bus_closed', retriable: true });
    await expect(kafka.bus({ partitions: 0 })).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringMatching(/partitions/) });
  });
});
