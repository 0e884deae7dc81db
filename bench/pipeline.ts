import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { createInstrumentation, silentLogger } from '../src/core/index.ts';
import { createKafkaBus, type MeridianEvent } from '../src/ingest/index.ts';
import { runWorker } from '../src/main/index.ts';
import { createCatalog, createShoppers, createTraffic } from '../src/simulate/index.ts';
import { embeddedConfig } from './engine.ts';
import { cpuMeter, nowMs, round } from './stats.ts';
import type { Figure, Section } from './types.ts';

/**
 * The production path: a backlog of simulated events in a Kafka topic, then `meridian worker`
 * (runWorker, as the CLI runs it) applying them to Redis, timed from the worker's start until every
 * event is applied. Needs the servers of `scripts/services/start.sh redis kafka` (or
 * MERIDIAN_TEST_KAFKA_BROKERS / MERIDIAN_TEST_REDIS_URL); without them the figure is reported as
 * not measured, with the reason. Its topic, group and keys are its own and are removed afterwards.
 */
export interface PipelineData {
  events: number;
  publishSeconds: number;
  publishPerSecond: number;
  applySeconds: number;
  eventsPerSecond: number;
  cpuMicrosPerEvent: number;
}

const FIGURE = 'Kafka → worker → Redis';

export const runPipeline: Section = async (opts) => {
  const brokers = process.env.MERIDIAN_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092';
  const redisUrl = process.env.MERIDIAN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const id = `bench-${randomBytes(4).toString('hex')}`;
  const topic = `meridian-${id}`;
  const tenant = id;
  const n = opts.quick ? 20_000 : 100_000;
  const kafka = new Kafka({ clientId: 'meridian-bench', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await admin.connect();
    await redis.connect();
  } catch (e) {
    await admin.disconnect().catch(() => undefined);
    redis.disconnect();
    const note = `not measured: Kafka at ${brokers} or Redis at ${redisUrl} unreachable (${(e as Error).message}); start them with scripts/services/start.sh redis kafka`;
    return { figures: [{ key: 'pipeline.eventsPerSecond', label: FIGURE, value: null, unit: 'events/s', target: { op: '>=', value: 20_000 }, note }], data: null };
  }
  const catalog = createCatalog({ seed: opts.seed, items: 2000, tenant });
  const shoppers = createShoppers({ seed: opts.seed, users: 5000 });
  const events: MeridianEvent[] = [...catalog, ...createTraffic({ seed: opts.seed, catalog, shoppers, tenant, events: n - 2000 })];
  const bus = await createKafkaBus({ brokers: brokers.split(','), topic, logger: silentLogger, instrumentation: createInstrumentation() });
  const config = embeddedConfig({ bus: `kafka://${brokers}?topic=${topic}`, featureStore: redisUrl, eventStore: 'memory:' });
  try {
    opts.log(`pipeline: publishing ${events.length} events to ${topic}`);
    const tp = nowMs();
    for (let i = 0; i < events.length; i += 1000) await bus.publish(events.slice(i, i + 1000));
    const publishSeconds = (nowMs() - tp) / 1000;
    let applied = 0;
    const meter = cpuMeter();
    const t0 = nowMs();
    const worker = await runWorker(config, silentLogger, { port: 0, host: '127.0.0.1', group: `meridian-worker-${id}`, followModels: false });
    worker.instrumentation.on('online.applied', (p) => {
      if (!p.duplicate) applied++;
    });
    const deadline = Date.now() + 600_000;
    while (applied < events.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const applySeconds = (nowMs() - t0) / 1000;
    const usage = meter.stop();
    await worker.close();
    if (applied < events.length) throw new Error(`only ${applied} of ${events.length} events applied in 10 minutes`);
    const data: PipelineData = {
      events: events.length,
      publishSeconds: round(publishSeconds),
      publishPerSecond: round(events.length / publishSeconds),
      applySeconds: round(applySeconds),
      eventsPerSecond: round(events.length / applySeconds),
      cpuMicrosPerEvent: round((usage.processCpuSeconds * 1e6) / events.length),
    };
    const figures: Figure[] = [
      {
        key: 'pipeline.eventsPerSecond',
        label: FIGURE,
        value: data.eventsPerSecond,
        unit: 'events/s',
        target: { op: '>=', value: 20_000 },
        note: `${data.events} events (2000 item upserts) from a backlog, worker in this process; ${data.cpuMicrosPerEvent} µs CPU/event in this process, Redis's own CPU not counted`,
      },
      { key: 'pipeline.publishPerSecond', label: 'publish to Kafka (batches of 1000, acks=all)', value: data.publishPerSecond, unit: 'events/s' },
    ];
    return { figures, data };
  } finally {
    await bus.close().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    await admin.deleteGroups([`meridian-worker-${id}`]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `meridian:${tenant}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    await redis.quit().catch(() => undefined);
  }
};
