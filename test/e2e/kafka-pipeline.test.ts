import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { shopperKey, type MeridianEvent } from '../../src/ingest/index.ts';
import { createRuntime, runWorker, workerPortFromEnv, type Runtime, type Worker } from '../../src/main/index.ts';
import { buildServer } from '../../src/serve/index.ts';
import { createCatalog, createShoppers, createTraffic } from '../../src/simulate/index.ts';
import { uniquePrefix, waitFor } from '../support/helpers.ts';
import { post } from '../support/engine-harness.ts';

const brokers = process.env.MERIDIAN_TEST_KAFKA_BROKERS ?? '';
const redisUrl = process.env.MERIDIAN_TEST_REDIS_URL ?? '';
if (brokers === '' || redisUrl === '') {
  throw new Error('MERIDIAN_TEST_KAFKA_BROKERS or MERIDIAN_TEST_REDIS_URL is not set: run the tests with `npm test`, which starts the test services');
}

const T0 = Date.UTC(2026, 5, 1);

/** Events applied (not duplicates) by a worker, counted from its instrumentation. */
function appliedCounter(worker: Worker): { applied: () => number; duplicates: () => number } {
  let applied = 0;
  let duplicates = 0;
  worker.instrumentation.on('online.applied', (p) => (p.duplicate ? duplicates++ : applied++));
  return { applied: () => applied, duplicates: () => duplicates };
}

/** Events per shopper and type, as the feature store counts them. */
function expectedCounts(events: readonly MeridianEvent[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const e of events) {
    const key = shopperKey(e);
    if (key === undefined || e.type === 'item_upsert' || e.type === 'item_delete') continue;
    const c = out.get(key) ?? {};
    c[e.type] = (c[e.type] ?? 0) + 1;
    out.set(key, c);
  }
  return out;
}

describe('the Kafka pipeline end to end: serve publishes, the worker applies, both on one Redis', () => {
  const topic = uniquePrefix('meridian-e2e');
  const group = uniquePrefix('meridian-worker-e2e');
  // Redis keys live under meridian:<tenant>:, so a tenant of its own keeps this test apart.
  const tenant = uniquePrefix('kafka-e2e');
  let rt: Runtime;
  let app: Awaited<ReturnType<typeof buildServer>>;
  let config: Readonly<Config>;
  const workers: Worker[] = [];

  const startWorker = async (): Promise<Worker> => {
    const w = await runWorker(config, silentLogger, { port: 0, host: '127.0.0.1', group });
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    config = loadConfig({
      env: {},
      overrides: {
        // Small handler calls, so a worker that stops has work left behind it.
        bus: `kafka://${brokers}?topic=${topic}&partitions=4&maxBatch=100&concurrency=2`,
        featureStore: redisUrl,
        eventStore: 'memory:',
        deadLetters: 'memory:',
        demo: { enabled: false },
      },
    });
    rt = await createRuntime(config, { logger: silentLogger, workerGroup: group });
    app = await buildServer({ engine: rt.engine, registry: rt.registry, instrumentation: rt.instrumentation, logger: silentLogger, auth: { mode: 'off' } });
  });

  afterAll(async () => {
    await Promise.allSettled(workers.map((w) => w.close()));
    await app.close();
    await rt.close();
    const kafka = new Kafka({ clientId: 'meridian-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([group]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    await admin.disconnect();
    const redis = new Redis(redisUrl);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `meridian:${tenant}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
    await redis.quit();
  });

  const catalog = createCatalog({ seed: 11, items: 200, ts: T0, tenant });
  const upserts = [...catalog] as MeridianEvent[];

  it('applies every posted event exactly once across a worker stopped mid-stream and restarted', async () => {
    const shoppers = createShoppers({ seed: 11, users: 80 });
    const traffic = [...createTraffic({ seed: 11, catalog, shoppers, start: T0 + 3_600_000, events: 6000, tenant })] as MeridianEvent[];
    const half = traffic.length / 2;
    const total = upserts.length + traffic.length;

    // A backlog before any worker runs: serve answers once Kafka holds the events.
    expect(await post(app, upserts)).toBe(upserts.length);
    expect(await post(app, traffic.slice(0, half))).toBe(half);

    const first = await startWorker();
    const c1 = appliedCounter(first);
    await waitFor(() => c1.applied() >= 1000, { what: 'the first worker under way', timeoutMs: 60_000 });
    await first.close();
    const appliedByFirst = c1.applied();
    expect(appliedByFirst).toBeLessThan(upserts.length + half); // it really stopped mid-stream

    // Posted while no worker runs, then a new worker of the same group takes over from the commits.
    expect(await post(app, traffic.slice(half))).toBe(traffic.length - half);
    const second = await startWorker();
    const c2 = appliedCounter(second);
    await waitFor(() => appliedByFirst + c2.applied() >= total, { what: 'every event applied', timeoutMs: 60_000 });
    // Nothing lost, nothing applied twice (a redelivered event is recognised by its id).
    expect(appliedByFirst + c2.applied()).toBe(total);

    const ctx = await second.tenants.get(tenant);
    expect(await ctx.store.itemCount()).toBe(upserts.length);
    const expected = expectedCounts(traffic);
    expect(expected.size).toBeGreaterThan(40);
    for (const [key, counts] of expected) {
      const state = await ctx.store.getUser(key);
      expect(state?.counts, key).toEqual(counts);
    }
    expect(await second.eventStore.count({ tenant })).toBe(c2.applied());

    // The worker's own listener: metrics and health.
    const metrics = await fetch(`${second.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(new RegExp(`meridian_kafka_consumer_lag\\{topic="${topic}",partition="[0-3]"\\} 0`));
    const health = await fetch(`${second.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, checks: { bus: true, eventStore: true } });

    // Delivered again from the start (as after a crash before any commit), nothing is applied twice.
    await second.close();
    const admin = new Kafka({ clientId: 'meridian-test', brokers: (brokers as string).split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.resetOffsets({ groupId: group, topic, earliest: true });
    await admin.disconnect();
    const third = await startWorker();
    const c3 = appliedCounter(third);
    await waitFor(() => c3.duplicates() >= total, { what: 'the whole topic again', timeoutMs: 60_000 });
    expect(c3.applied()).toBe(0);
    const again = await third.tenants.get(tenant);
    for (const [key, counts] of expected) expect((await again.store.getUser(key))?.counts, key).toEqual(counts);
  }, 180_000); // three workers over one Redis and one broker shared with other suites

  it('keeps the serving replica\'s indexes on the catalog through its own follower group', async () => {
    const ctx = await rt.tenants.get(tenant);
    await waitFor(() => ctx.vectors.size() === 200 && ctx.lexical.size() === 200, { what: 'catalog indexed by serve' });
    const del = { type: 'item_delete', tenant, id: uniquePrefix('del'), item_id: (upserts[0] as { item_id: string }).item_id, ts: T0 + 9e7 };
    expect(await post(app, [del])).toBe(1);
    await waitFor(() => ctx.vectors.size() === 199 && ctx.lexical.size() === 199, { what: 'the delete followed' });
  });
});

describe('meridian worker', () => {
  it('refuses to start on a bus that is not Kafka, saying what to set', async () => {
    const config = loadConfig({ env: {}, overrides: { bus: 'memory:', featureStore: 'memory:', eventStore: 'memory:', demo: { enabled: false } } });
    await expect(runWorker(config, silentLogger, { port: 0 })).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringMatching(/MERIDIAN_BUS.*kafka:\/\//),
    });
  });

  it('reads its listener port from MERIDIAN_WORKER_PORT', () => {
    expect(workerPortFromEnv({})).toBe(9464);
    expect(workerPortFromEnv({ MERIDIAN_WORKER_PORT: '9100' })).toBe(9100);
    expect(() => workerPortFromEnv({ MERIDIAN_WORKER_PORT: 'http' })).toThrow(/MERIDIAN_WORKER_PORT/);
  });
});
