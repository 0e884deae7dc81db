import { Registry, type Gauge } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createInstrumentation, silentLogger } from '../../../src/core/index.ts';
import { createKafkaDeadLetterSink } from '../../../src/dead-letters/index.ts';
import { deadLetterHeaders, messageKey, type BusRecord } from '../../../src/bus/index.ts';
import { createMetrics } from '../../../src/serve/index.ts';
import { uniquePrefix, waitFor } from '../../support/helpers.ts';
import { kafkaFixture } from '../../support/kafka.ts';
import { view } from '../../support/samples.ts';

const ids = (rs: readonly { id: string }[]): string[] => rs.map((r) => r.id);

describe('kafka consumer under failure and load', () => {
  const kafka = kafkaFixture();
  afterEach(() => kafka.cleanup());

  it('dead-letters a poison message and an unparseable one with their reasons, while the rest of the partition flows', async () => {
    const instrumentation = createInstrumentation();
    const letters: string[] = [];
    instrumentation.on('deadletter.written', (p) => letters.push(`${p.source}:${p.reason}`));
    const bus = await kafka.bus({ instrumentation, tuning: { retries: 2 } });
    const tenant = uniquePrefix('t');
    const events = Array.from({ length: 20 }, (_, i) => view(tenant, i)); // one shopper: one partition
    const poison = events[7]?.id;
    const handled: string[] = [];
    const tries = new Map<string, number>();
    await bus.subscribe(uniquePrefix('g'), async (records) => {
      for (const r of records) tries.set(r.event.id, (tries.get(r.event.id) ?? 0) + 1);
      if (records.some((r) => r.event.id === poison)) throw new Error(`cannot apply ${poison}`);
      for (const r of records) handled.push(r.event.id);
    });
    await bus.publish(events.slice(0, 10));
    // Same key as the shopper's events, so it lands in their partition, between them.
    await kafka.produceRaw(bus.topic, [{ key: messageKey(events[0] as never), value: '{"type":"view", not json' }]);
    await bus.publish(events.slice(10));
    await waitFor(() => handled.length >= 19, { what: 'every other event handled' });
    expect(handled).toEqual(ids(events).filter((id) => id !== poison));

    const dead = await kafka.readTopic(bus.deadLetterTopic, 2);
    expect(dead).toHaveLength(2);
    const byReason = new Map(dead.map((m) => [deadLetterHeaders(m).reason, m]));
    const failed = byReason.get('apply_failed');
    const failedHeaders = deadLetterHeaders(failed ?? {});
    expect(JSON.parse(failed?.value?.toString() ?? '{}')).toMatchObject({ id: poison });
    expect(failedHeaders).toMatchObject({ error: `cannot apply ${poison}`, 'source-topic': bus.topic, source: 'kafka' });
    expect(Number(failedHeaders.attempts)).toBe(tries.get(poison ?? ''));
    expect(tries.get(poison ?? '')).toBeGreaterThanOrEqual(3); // the batch's retries, then alone
    const junk = deadLetterHeaders(byReason.get('unparseable') ?? {});
    expect(junk.error).toMatch(/not valid JSON/);
    expect(byReason.get('unparseable')?.value?.toString()).toBe('{"type":"view", not json');
    // Both came from the shopper's partition, the junk right after the first ten events.
    expect(junk['source-partition']).toBe(failedHeaders['source-partition']);
    expect(junk['source-offset']).toBe('10');
    expect(failedHeaders['source-offset']).toBe('7');
    expect(letters.sort()).toEqual(['kafka:apply_failed', 'kafka:unparseable']);
  });

  it('pauses fetching while the handler is behind and resumes, losing and repeating nothing', async () => {
    const instrumentation = createInstrumentation();
    const switches: boolean[] = [];
    instrumentation.on('kafka.backpressure', (p) => switches.push(p.paused));
    const bus = await kafka.bus({ instrumentation, tuning: { maxQueued: 40, maxBatch: 10, concurrency: 2 } });
    const tenant = uniquePrefix('t');
    const seen: BusRecord[] = [];
    const busy = new Set<number>();
    let overlapped = false;
    let largest = 0;
    await bus.subscribe(uniquePrefix('g'), async (records) => {
      const partitions = new Set(records.map((r) => r.partition));
      for (const p of partitions) {
        if (busy.has(p)) overlapped = true; // two calls must never hold one partition
        busy.add(p);
      }
      largest = Math.max(largest, records.length);
      await new Promise((r) => setTimeout(r, 5));
      seen.push(...records);
      for (const p of partitions) busy.delete(p);
    });
    const events = Array.from({ length: 400 }, (_, i) => view(tenant, i, { user_id: `u${i % 10}` }));
    await bus.publish(events);
    await waitFor(() => seen.length >= 400, { what: '400 events', timeoutMs: 20_000 });
    expect(switches[0]).toBe(true);
    expect(switches).toContain(false);
    expect(overlapped).toBe(false);
    expect(largest).toBeLessThanOrEqual(10);
    expect(ids(seen.map((r) => r.event)).sort()).toEqual(ids(events).sort());
    for (let u = 0; u < 10; u++) {
      const mine = seen.filter((r) => r.event.user_id === `u${u}`).map((r) => r.event.id);
      expect(mine).toEqual(ids(events.filter((e) => e.user_id === `u${u}`)));
    }
  });

  it('handles other partitions while one handler call is stuck, never two calls on one partition', async () => {
    const bus = await kafka.bus({ tuning: { maxBatch: 1, concurrency: 2 } });
    const tenant = uniquePrefix('t');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let stuck: number | undefined;
    let released = false;
    const whileStuck: number[] = [];
    let handled = 0;
    await bus.subscribe(uniquePrefix('g'), async ([r]) => {
      const partition = (r as BusRecord).partition;
      if (stuck === undefined) {
        stuck = partition;
        await gate;
      } else if (!released) {
        whileStuck.push(partition);
      }
      handled++;
    });
    await bus.publish(Array.from({ length: 40 }, (_, i) => view(tenant, i, { user_id: `u${i % 8}` })));
    await waitFor(() => whileStuck.length >= 3, { what: 'calls beside the stuck one' });
    expect(whileStuck).not.toContain(stuck);
    released = true;
    release();
    await waitFor(() => handled === 40, { what: 'all 40 handled' });
  });

  it('reports consumer lag per partition as a gauge that rises while the handler is stuck and falls to zero', async () => {
    const registry = new Registry();
    const instrumentation = createInstrumentation();
    createMetrics({ registry, instrumentation, defaultMetrics: false });
    const bus = await kafka.bus({ instrumentation });
    const lag = registry.getSingleMetric('meridian_kafka_consumer_lag') as Gauge;
    const total = async (): Promise<number> => (await lag.get()).values.reduce((n, v) => n + v.value, 0);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let handled = 0;
    await bus.subscribe(uniquePrefix('g'), async (records) => {
      await gate;
      handled += records.length;
    });
    const tenant = uniquePrefix('t');
    await bus.publish(Array.from({ length: 100 }, (_, i) => view(tenant, i, { user_id: `u${i % 20}` })));
    await waitFor(async () => (await total()) === 100, { what: 'lag of 100' });
    const series = (await lag.get()).values;
    expect(series.length).toBeGreaterThan(1);
    for (const s of series) expect(s.labels).toEqual({ topic: bus.topic, partition: expect.stringMatching(/^[0-3]$/) });
    release();
    await waitFor(() => handled === 100, { what: 'all handled' });
    await waitFor(async () => (await total()) === 0, { what: 'lag back to 0' });
    await bus.close();
    expect((await lag.get()).values).toEqual([]); // the partitions left with the consumer
  });

  it('writes dead letters of other sources to the dead-letter topic with the same headers', async () => {
    const topic = `${uniquePrefix('meridian-test')}.dlq`;
    kafka.topics.add(topic);
    const instrumentation = createInstrumentation();
    let written = 0;
    instrumentation.on('deadletter.written', () => written++);
    const sink = await createKafkaDeadLetterSink({ brokers: kafka.brokers, topic, logger: silentLogger, instrumentation });
    const letter = {
      source: 'http',
      reason: 'invalid_field',
      errors: [{ field: 'market', rule: 'pattern', message: 'market: must match ^[A-Z]{2}$' }],
      raw: '{"type":"view","market":"germany"}',
      position: 3,
      at: 1_700_000_000_000,
    };
    await sink.write([letter]);
    expect(sink.count()).toBe(1);
    expect(sink.recent(5)).toEqual([letter]);
    expect(written).toBe(1);
    const [m] = await kafka.readTopic(topic, 1);
    expect(m?.value?.toString()).toBe(letter.raw);
    expect(deadLetterHeaders(m ?? {})).toMatchObject({ reason: 'invalid_field', error: 'market: must match ^[A-Z]{2}$', source: 'http', position: '3' });
    await sink.close();
    await expect(sink.write([letter])).rejects.toMatchObject({ code: 'dead_letters_closed' });
  });
});
