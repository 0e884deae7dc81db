import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { createInstrumentation, silentLogger } from '../../src/core/index.ts';
import { createKafkaBus } from '../../src/bus/index.ts';
import { type MeridianEvent } from '../../src/ingest/index.ts';
import { runWorker } from '../../src/main/index.ts';
import { createCatalog, createShoppers, createTraffic } from '../../src/simulate/index.ts';
import { embeddedConfig } from '../harness/engine.ts';
import { profiled } from '../harness/profile.ts';
import { cpuMeter, nowMs, round } from '../harness/stats.ts';
import type { Figure, Section } from '../harness/types.ts';

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
  /** Redis's own CPU (user + sys, from INFO) per event: the whole server's, so other clients count too. */
  redisCpuMicrosPerEvent: number;
  /** Redis commands (inside scripts too) per event, from INFO commandstats; same caveat. */
  redisCallsPerEvent: number;
  /** The same, by command (commands under 0.01 per event left out), highest first. */
  redisCallsPerEventByCommand: Record<string, number>;
}

/** Redis's CPU seconds and the calls of every command so far (INFO cpu, INFO commandstats). */
async function redisUsage(redis: Redis): Promise<{ cpu: number; calls: number; byCommand: Map<string, number> }> {
  const info = await redis.info('cpu');
  const commands = await redis.info('commandstats');
  let cpu = 0;
  for (const m of info.matchAll(/^used_cpu_(?:user|sys):([\d.]+)/gm)) cpu += Number(m[1]);
  let calls = 0;
  const byCommand = new Map<string, number>();
  for (const m of commands.matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) {
    if (m[1] === 'info') continue;
    calls += Number(m[2]);
    byCommand.set(m[1] as string, Number(m[2]));
  }
  return { cpu, calls, byCommand };
}

/** Calls per event of each command between two readings, highest first. */
function callsByCommand(before: Map<string, number>, after: Map<string, number>, events: number): Record<string, number> {
  const rows: [string, number][] = [];
  for (const [name, n] of after) {
    const per = (n - (before.get(name) ?? 0)) / events;
    if (per >= 0.01) rows.push([name, round(per)]);
  }
  return Object.fromEntries(rows.sort((a, b) => b[1] - a[1]));
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
    const redis0 = await redisUsage(redis);
    const meter = cpuMeter();
    const t0 = nowMs();
    const worker = await profiled(opts.profileDir, 'pipeline-worker', async () => {
      const w = await runWorker(config, silentLogger, { port: 0, host: '127.0.0.1', group: `meridian-worker-${id}`, followModels: false });
      w.instrumentation.on('online.applied', (p) => {
        if (!p.duplicate) applied++;
      });
      const deadline = Date.now() + 600_000;
      while (applied < events.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      return w;
    });
    const applySeconds = (nowMs() - t0) / 1000;
    const usage = meter.stop();
    const redis1 = await redisUsage(redis);
    await worker.close();
    if (applied < events.length) throw new Error(`only ${applied} of ${events.length} events applied in 10 minutes`);
    const data: PipelineData = {
      events: events.length,
      publishSeconds: round(publishSeconds),
      publishPerSecond: round(events.length / publishSeconds),
      applySeconds: round(applySeconds),
      eventsPerSecond: round(events.length / applySeconds),
      cpuMicrosPerEvent: round((usage.processCpuSeconds * 1e6) / events.length),
      redisCpuMicrosPerEvent: round(((redis1.cpu - redis0.cpu) * 1e6) / events.length),
      redisCallsPerEvent: round((redis1.calls - redis0.calls) / events.length),
      redisCallsPerEventByCommand: callsByCommand(redis0.byCommand, redis1.byCommand, events.length),
    };
    const figures: Figure[] = [
      {
        key: 'pipeline.eventsPerSecond',
        label: FIGURE,
        value: data.eventsPerSecond,
        unit: 'events/s',
        target: { op: '>=', value: 20_000 },
        note: `${data.events} events (2000 item upserts) from a backlog, worker in this process; ${data.cpuMicrosPerEvent} µs CPU/event in this process`,
      },
      { key: 'pipeline.cpuMicrosPerEvent', label: 'worker CPU per event (this process)', value: data.cpuMicrosPerEvent, unit: 'µs' },
      {
        key: 'pipeline.redisCpuMicrosPerEvent',
        label: 'Redis CPU per event',
        value: data.redisCpuMicrosPerEvent,
        unit: 'µs',
        note: `the whole server's CPU (INFO cpu) over the run, other clients included; ${data.redisCallsPerEvent} Redis commands per event`,
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
