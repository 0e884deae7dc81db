import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { shopperKey, type MeridianEvent } from '../../src/ingest/index.ts';
import { createRuntime, runWorker, type Runtime, type Worker } from '../../src/main/index.ts';
import { buildServer } from '../../src/serve/index.ts';
import { createCatalog, createShoppers, createTraffic } from '../../src/simulate/index.ts';
import { tempDir, uniquePrefix, waitFor } from '../support/helpers.ts';
import { post } from '../support/engine-harness.ts';
import { startPrivateKafka, startPrivateRedis, type PrivateServer } from '../support/private-services.ts';

/*
 * Outages under load, on a private redis-server and a private Kafka broker (the shared servers are
 * never stopped): serve and a worker keep running while a steady stream of events is posted, one
 * server is stopped and started again, and the engine must recover by itself with every
 * acknowledged event applied exactly once.
 */

const T0 = Date.UTC(2026, 5, 1);

interface Stream {
  /** Events whose POST answered 2xx with status accepted. */
  acknowledged: MeridianEvent[];
  /** Every event posted, acknowledged or not. */
  sent: MeridianEvent[];
  /** Status codes of the failed POSTs, with their retry-after header. */
  failures: { status: number; retryAfter: string | undefined }[];
  stop(): Promise<void>;
}

/** Posts batches of `batch` events back to back (a short pause between them) until stopped. */
function stream(app: FastifyInstance, events: Iterator<MeridianEvent>, batch = 20): Stream {
  const s: Stream = { acknowledged: [], sent: [], failures: [], stop: async () => undefined };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const chunk: MeridianEvent[] = [];
      for (let r = events.next(); chunk.length < batch && r.done !== true; r = chunk.length < batch ? events.next() : r) chunk.push(r.value);
      if (chunk.length === 0) throw new Error('the stream ran out of events');
      s.sent.push(...chunk);
      const res = await app.inject({ method: 'POST', url: '/v1/events', payload: chunk as object[] });
      if (res.statusCode < 300) {
        const results = (res.json() as { results: { status: string }[] }).results;
        chunk.forEach((e, i) => (results[i]?.status === 'accepted' ? s.acknowledged.push(e) : undefined));
      } else {
        const h = res.headers['retry-after'];
        s.failures.push({ status: res.statusCode, retryAfter: typeof h === 'string' ? h : undefined });
      }
      await new Promise((r) => setTimeout(r, 30));
    }
  })();
  s.stop = async () => {
    stopped = true;
    await loop;
  };
  return s;
}

async function readiness(app: FastifyInstance): Promise<{ status: number; checks: Record<string, boolean> }> {
  const res = await app.inject({ method: 'GET', url: '/readyz' });
  return { status: res.statusCode, checks: (res.json() as { checks: Record<string, boolean> }).checks };
}

describe('outages of Redis and of the Kafka broker under load, on private servers', () => {
  const group = uniquePrefix('meridian-worker-faults');
  let redis: PrivateServer;
  let kafka: PrivateServer;
  let cleanup: () => Promise<void>;
  let rt: Runtime;
  let app: FastifyInstance;
  let worker: Worker;
  const streams: Stream[] = [];

  /** A tenant of its own for each outage (its catalog posted), so the counts of one do not mix with the other's. */
  async function storefront(seed: number): Promise<{ tenant: string; traffic: Iterator<MeridianEvent> }> {
    const tenant = uniquePrefix('faults');
    const catalog = createCatalog({ seed, items: 100, ts: T0, tenant });
    expect(await post(app, [...catalog])).toBe(100);
    const shoppers = createShoppers({ seed, users: 60 });
    return { tenant, traffic: createTraffic({ seed, catalog, shoppers, start: T0 + 3_600_000, events: 200_000, tenant })[Symbol.iterator]() as Iterator<MeridianEvent> };
  }

  beforeAll(async () => {
    const tmp = await tempDir('meridian-faults-');
    cleanup = tmp.cleanup;
    [redis, kafka] = await Promise.all([startPrivateRedis(tmp.dir), startPrivateKafka(tmp.dir)]);
    const config: Readonly<Config> = loadConfig({
      env: {},
      overrides: {
        bus: `kafka://${kafka.url}?topic=${uniquePrefix('faults')}&partitions=2&maxBatch=200`,
        featureStore: redis.url,
        eventStore: 'memory:',
        deadLetters: 'memory:',
        demo: { enabled: false },
      },
    });
    rt = await createRuntime(config, { logger: silentLogger, workerGroup: group, followModels: false });
    app = await buildServer({ engine: rt.engine, registry: rt.registry, instrumentation: rt.instrumentation, logger: silentLogger, auth: { mode: 'off' } });
    worker = await runWorker(config, silentLogger, { port: 0, host: '127.0.0.1', group, followModels: false });
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(streams.map((s) => s.stop()));
    await worker?.close();
    await app?.close();
    await rt?.close();
    await Promise.allSettled([redis?.stop(), kafka?.stop()]);
    await cleanup?.();
  }, 120_000);

  /** Every acknowledged event applied, and the shoppers' counts exactly those of the applied events. */
  async function expectAcknowledgedApplied(tenant: string, s: Stream): Promise<void> {
    const ctx = await worker.tenants.get(tenant);
    await waitFor(async () => (await Promise.all(s.acknowledged.map((e) => ctx.store.hasApplied(e.id)))).every(Boolean), {
      what: 'every acknowledged event applied',
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    // Events posted but not acknowledged may or may not have reached the topic; each counts at most once.
    const applied = await Promise.all(s.sent.map((e) => ctx.store.hasApplied(e.id)));
    const expected = new Map<string, Record<string, number>>();
    s.sent.forEach((e, i) => {
      const key = shopperKey(e);
      if (applied[i] !== true || key === undefined) return;
      const c = expected.get(key) ?? {};
      c[e.type] = (c[e.type] ?? 0) + 1;
      expected.set(key, c);
    });
    for (const [key, counts] of expected) {
      const state = await ctx.store.getUser(key);
      for (const [type, n] of Object.entries(counts)) expect(state?.counts[type as keyof typeof state.counts], `${key} ${type}`).toBe(n);
    }
  }

  it('reports a Redis outage on /readyz and recovers by itself, losing no acknowledged event', async () => {
    expect((await readiness(app)).status).toBe(200);
    const { tenant, traffic } = await storefront(5);
    const s = stream(app, traffic);
    streams.push(s);
    await waitFor(() => s.acknowledged.length >= 200, { what: 'the stream under way', timeoutMs: 30_000 });
    await redis.stop();
    await waitFor(async () => {
      const r = await readiness(app);
      return r.status === 503 && r.checks.featureStore === false;
    }, { what: '/readyz reporting the feature store down', timeoutMs: 10_000, intervalMs: 200 });
    // The outage lasts while a few more batches are posted: the worker has work waiting on Redis.
    const down = s.acknowledged.length + s.failures.length;
    await waitFor(() => s.acknowledged.length + s.failures.length >= down + 100 || s.failures.length >= 5, { what: 'posts during the outage', timeoutMs: 30_000 });
    const before = s.acknowledged.length;
    await redis.start();
    await waitFor(async () => (await readiness(app)).status === 200, { what: '/readyz ready again', timeoutMs: 20_000, intervalMs: 200 });
    await waitFor(() => s.acknowledged.length >= before + 200, { what: 'the stream after the outage', timeoutMs: 30_000 });
    await s.stop();
    expect(s.failures.filter((f) => f.status === 500)).toEqual([]);
    await expectAcknowledgedApplied(tenant, s);
    console.info(`redis outage: ${s.acknowledged.length} of ${s.sent.length} events acknowledged, ${s.failures.length} POSTs refused with 503`);
  }, 120_000);

  it('reports a broker outage on /readyz, refuses events with a retriable 503, and recovers by itself', async () => {
    expect((await readiness(app)).status).toBe(200);
    const { tenant, traffic } = await storefront(6);
    const s = stream(app, traffic);
    streams.push(s);
    await waitFor(() => s.acknowledged.length >= 200, { what: 'the stream under way', timeoutMs: 30_000 });
    await kafka.stop();
    await waitFor(async () => {
      const r = await readiness(app);
      return r.status === 503 && r.checks.bus === false;
    }, { what: '/readyz reporting the bus down', timeoutMs: 15_000, intervalMs: 200 });
    await waitFor(() => s.failures.length >= 1, { what: 'a POST refused during the outage', timeoutMs: 30_000 });
    const before = s.acknowledged.length;
    await kafka.start();
    await waitFor(async () => (await readiness(app)).status === 200, { what: '/readyz ready again', timeoutMs: 60_000, intervalMs: 250 });
    await waitFor(() => s.acknowledged.length >= before + 200, { what: 'the stream after the outage', timeoutMs: 90_000 }).catch((e: unknown) => {
      throw new Error(`${String(e)}; ${s.acknowledged.length - before} acknowledged since, ${s.failures.length} refused: ${JSON.stringify(s.failures.slice(-3))}`);
    });
    await s.stop();
    expect(s.failures.length).toBeGreaterThan(0);
    for (const f of s.failures) expect(f).toEqual({ status: 503, retryAfter: '1' });
    await expectAcknowledgedApplied(tenant, s);
    console.info(`broker outage: ${s.acknowledged.length} of ${s.sent.length} events acknowledged, ${s.failures.length} POSTs refused with 503`);
  }, 180_000);
});
