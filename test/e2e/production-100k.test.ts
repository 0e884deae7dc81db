import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { createInstrumentation, silentLogger } from '../../src/core/index.ts';
import { openEventBus } from '../../src/bus/index.ts';
import { openEventStore } from '../../src/event-store/index.ts';
import { shopperKey, type MeridianEvent } from '../../src/ingest/index.ts';
import { runWorker, type Worker } from '../../src/main/index.ts';
import { createCatalog, createShoppers, createTraffic, publishEvents } from '../../src/simulate/index.ts';
import { uniquePrefix, waitFor } from '../support/helpers.ts';

/*
 * The production configuration end to end: Kafka bus, Redis feature store, ClickHouse event store.
 * Simulated events are published to the topic (as `meridian simulate --bus` does), a worker is
 * killed (SIGKILL) or stopped about halfway and a new one of the same group takes over; every event
 * is reflected exactly once in both stores.
 */

const brokers = process.env.MERIDIAN_TEST_KAFKA_BROKERS ?? '';
const redisUrl = process.env.MERIDIAN_TEST_REDIS_URL ?? '';
const clickhouseUrl = process.env.MERIDIAN_TEST_CLICKHOUSE_URL ?? '';
if (brokers === '' || redisUrl === '' || clickhouseUrl === '') {
  throw new Error('MERIDIAN_TEST_KAFKA_BROKERS, MERIDIAN_TEST_REDIS_URL or MERIDIAN_TEST_CLICKHOUSE_URL is not set: run the tests with `npm test`, which starts the test services');
}

// The full 100,000 by default; MERIDIAN_E2E_EVENTS lowers it on a machine too small for the budget.
const EVENTS = Number(process.env.MERIDIAN_E2E_EVENTS ?? 100_000);
// The graceful stop's run is shorter: a stop finishes its batch and commits, so it leaves less behind.
const STOP_EVENTS = 20_000;
const T0 = Date.UTC(2026, 5, 1);

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

/** Offsets the group has committed, over every partition of the topic. */
async function committed(admin: Admin, group: string, topic: string): Promise<number> {
  const [c] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return (c?.partitions ?? []).reduce((n, p) => n + Math.max(Number(p.offset), 0), 0);
}

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * A worker in a process of its own, as `meridian worker` runs (config from MERIDIAN_* variables), in
 * the test's own consumer group (the CLI's group is the shared `meridian-worker`).
 */
function spawnWorker(env: Record<string, string>, group: string): ChildProcess {
  const script = [
    `import { loadConfig } from '${ROOT}/src/config/index.ts';`,
    `import { silentLogger } from '${ROOT}/src/core/index.ts';`,
    `import { runWorker } from '${ROOT}/src/main/index.ts';`,
    `await runWorker(loadConfig({ env: process.env }), silentLogger, { port: 0, host: '127.0.0.1', group: ${JSON.stringify(group)}, followModels: false });`,
  ].join('\n');
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'ignore' });
}

/** The group's lag over every partition of the topic: log end minus committed offset. */
async function groupLag(admin: Admin, group: string, topic: string): Promise<number> {
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  let lag = 0;
  for (const { partition, high } of ends) {
    const c = Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1');
    lag += Number(high) - Math.max(c, 0);
  }
  return lag;
}

describe('the production configuration (Kafka, Redis, ClickHouse) end to end', () => {
  const database = uniquePrefix('meridian_prod').replace(/-/g, '_');
  const ch = new URL(clickhouseUrl);
  const eventStore = `clickhouse://${ch.hostname}:${ch.port || '8123'}/${database}`;
  const kafka = new Kafka({ clientId: 'meridian-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const workers: Worker[] = [];
  const children: ChildProcess[] = [];
  const created: { topic: string; group: string; tenant: string }[] = [];

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.allSettled(workers.map((w) => w.close()));
    await admin.connect();
    for (const { topic, group } of created) {
      await admin.deleteGroups([group]).catch(() => undefined);
      await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    }
    await admin.disconnect();
    await fetch(clickhouseUrl, { method: 'POST', body: `DROP DATABASE IF EXISTS ${database}` });
    const redis = new Redis(redisUrl);
    for (const { tenant } of created) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `meridian:${tenant}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
    }
    await redis.quit();
  }, 60_000);

  /**
   * Publishes `events` simulated events (after a catalog) while a first worker runs, interrupts that
   * worker about halfway (`interrupt`), lets a second one of the same group finish, and checks
   * that every event is reflected exactly once in Redis and in ClickHouse.
   */
  async function scenario(events: number, interrupt: (run: { config: Readonly<Config>; topic: string; group: string; total: number }) => Promise<void>): Promise<string> {
    const names = { topic: uniquePrefix('meridian-prod'), group: uniquePrefix('meridian-worker-prod'), tenant: uniquePrefix('prod') };
    created.push(names);
    const { topic, group, tenant } = names;
    const config: Readonly<Config> = loadConfig({
      env: {},
      overrides: { bus: `kafka://${brokers}?topic=${topic}&partitions=4`, featureStore: redisUrl, eventStore, deadLetters: 'memory:', demo: { enabled: false } },
    });
    const catalog = [...createCatalog({ seed: 7, items: 500, ts: T0, tenant })] as MeridianEvent[];
    const shoppers = createShoppers({ seed: 7, users: 2000 });
    const traffic = [...createTraffic({ seed: 7, catalog: createCatalog({ seed: 7, items: 500, ts: T0, tenant }), shoppers, start: T0 + 3_600_000, events, tenant })] as MeridianEvent[];
    const all = [...catalog, ...traffic];
    const distinct = new Set(all.map((e) => e.id)).size;

    const t0 = performance.now();
    const bus = await openEventBus(config.bus, { logger: silentLogger, instrumentation: createInstrumentation() });
    const publishing = publishEvents({ publish: (b) => bus.publish(b), events: all, rate: 0, batchSize: 1000 });
    await interrupt({ config, topic, group, total: distinct });

    // The rest is published before the next worker starts in this process, so the two do not share its one thread.
    expect((await publishing).sent).toBe(all.length);
    const tPublished = performance.now();
    await bus.close();
    const second = await runWorker(config, silentLogger, { port: 0, host: '127.0.0.1', group, followModels: false });
    workers.push(second);
    await admin.connect();
    try {
      await waitFor(async () => (await groupLag(admin, group, topic)) === 0, { what: 'the group\'s lag at 0', timeoutMs: 120_000, intervalMs: 250 });
    } finally {
      await admin.disconnect();
    }
    const tDone = performance.now();

    // Nothing lost, nothing twice: every distinct event once in each store.
    await second.eventStore.flush();
    const stored = await second.eventStore.count({ tenant });
    expect(stored).toBe(distinct);
    const scanned = new Set<string>();
    let rows = 0;
    for await (const e of second.eventStore.scan({ tenant })) {
      scanned.add(e.id);
      rows++;
    }
    expect([rows, scanned.size]).toEqual([distinct, distinct]);
    const ctx = await second.tenants.get(tenant);
    expect(await ctx.store.itemCount()).toBe(catalog.length);
    const expected = expectedCounts(traffic);
    expect(expected.size).toBeGreaterThan(1000);
    for (const [key, counts] of expected) expect((await ctx.store.getUser(key))?.counts, key).toEqual(counts);
    await second.close();
    const store = await openEventStore(config.eventStore, { logger: silentLogger, instrumentation: createInstrumentation() });
    expect(await store.count({ tenant })).toBe(stored);
    await store.close();
    const sec = (ms: number): string => (ms / 1000).toFixed(1);
    return `${stored} of ${distinct} in the event store; ${all.length} events published in ${sec(tPublished - t0)} s, all applied in ${sec(tDone - t0)} s (${Math.round(distinct / ((tDone - t0) / 1000))} events/s)`;
  }

  it(`reflects ${EVENTS} published events exactly once in Redis and ClickHouse across a worker process killed halfway`, async () => {
    let killedAt = 0;
    // The worker process applies each batch to Redis, then flushes it to ClickHouse, then commits: a
    // kill lands between any two of these, and the restarted worker must neither lose nor double it.
    const line = await scenario(EVENTS, async ({ config, topic, group, total }) => {
      const child = spawnWorker({ MERIDIAN_BUS: config.bus, MERIDIAN_FEATURE_STORE: config.featureStore, MERIDIAN_EVENT_STORE: config.eventStore, MERIDIAN_DEAD_LETTERS: 'memory:' }, group);
      children.push(child);
      const exited = once(child, 'exit');
      await admin.connect();
      try {
        await waitFor(async () => {
          if (child.exitCode !== null) throw new Error(`the worker process exited with code ${child.exitCode}`);
          return (killedAt = await committed(admin, group, topic)) >= total / 2;
        }, { what: 'half the events committed by the worker process', timeoutMs: 120_000, intervalMs: 100 });
      } finally {
        await admin.disconnect();
      }
      child.kill('SIGKILL');
      await exited;
      expect(killedAt).toBeLessThan(total); // it really died mid-stream
    });
    console.info(`production e2e, worker process killed after ${killedAt} commits: ${line}`);
  }, 240_000);

  it(`reflects ${STOP_EVENTS} published events exactly once in Redis and ClickHouse across a worker stopped halfway`, async () => {
    let applied = 0;
    const line = await scenario(STOP_EVENTS, async ({ config, group, total }) => {
      const first = await runWorker(config, silentLogger, { port: 0, host: '127.0.0.1', group, followModels: false });
      workers.push(first);
      first.instrumentation.on('online.applied', (p) => (p.duplicate ? undefined : applied++));
      await waitFor(() => applied >= total / 2, { what: 'half the events applied', timeoutMs: 90_000, intervalMs: 50 });
      await first.close();
      expect(applied).toBeLessThan(total); // it really stopped mid-stream
    });
    console.info(`production e2e, worker stopped after ${applied} events: ${line}`);
  }, 180_000);
});
