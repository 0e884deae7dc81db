import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { runServe, runWorker, type Worker } from '../../src/main/index.ts';
import { tempDir, uniquePrefix, waitFor } from '../support/helpers.ts';
import { startLoad, type Load } from './load.ts';
import { hasNumber, startPrometheus, type PrivatePrometheus, type QueryResult } from './prometheus.ts';
import { RULES_FILE, panelQueries, readDashboards, readRules, substituteVariables, withBool, type NamedQuery } from './queries.ts';

function requireEnv(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`${name} is not set: run the tests with \`npm test\`, which starts the services and sets it`);
  return v;
}
const brokers = requireEnv('MERIDIAN_TEST_KAFKA_BROKERS');
const redisUrl = requireEnv('MERIDIAN_TEST_REDIS_URL');
const clickhouseUrl = requireEnv('MERIDIAN_TEST_CLICKHOUSE_URL');

/**
 * Series that have no data in this check, each with the reason and a query that returns data once
 * the reason is gone. While a series is listed, queries that read it must still parse; once the
 * engine exposes it, the check fails until it is taken off this list.
 */
const NO_DATA_YET: Record<string, { why: string; present: string }> = {
  meridian_model_offline_metric: { why: 'no model registry emits model.evaluated yet', present: 'meridian_model_offline_metric' },
  meridian_training_duration_seconds: { why: 'no training runs under simulated traffic', present: 'meridian_training_duration_seconds_count > 0' },
};

const waiting = (expr: string): string | undefined => Object.keys(NO_DATA_YET).find((m) => new RegExp(`\\b${m}(_bucket|_sum|_count)?\\b`).test(expr));

describe('every dashboard query and rule against a live Prometheus scraping the engine under load', () => {
  const id = uniquePrefix('obs');
  const topic = `meridian-${id}`;
  const group = `meridian-worker-${id}`;
  const tenant = id;
  const database = `meridian_${id.replace(/-/g, '_')}`;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let serve: Awaited<ReturnType<typeof runServe>> | undefined;
  let worker: Worker | undefined;
  let prometheus: PrivatePrometheus | undefined;
  let load: Load | undefined;

  beforeAll(async () => {
    tmp = await tempDir('meridian-obs-');
    const config = loadConfig({
      env: {},
      overrides: {
        host: '127.0.0.1',
        port: 0,
        bus: `kafka://${brokers}?topic=${topic}&partitions=2`,
        featureStore: redisUrl,
        eventStore: `clickhouse://${new URL(clickhouseUrl).host}/${database}`,
        deadLetters: 'memory:',
        demo: { enabled: false },
        auth: { mode: 'off' },
      },
    });
    serve = await runServe(config, silentLogger);
    worker = await runWorker(config, silentLogger, { port: 0, host: '127.0.0.1', group });
    prometheus = await startPrometheus({
      dir: tmp.dir,
      jobs: [
        { job: 'meridian', target: new URL(serve.url).host },
        { job: 'meridian-worker', target: new URL(worker.url).host },
      ],
      ruleFiles: [RULES_FILE],
    });
    load = await startLoad({ url: serve.url, tenant });
  });

  afterAll(async () => {
    await load?.stop();
    await prometheus?.stop();
    await worker?.close();
    await serve?.close();
    const kafka = new Kafka({ clientId: 'meridian-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([group]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    await admin.disconnect();
    await fetch(clickhouseUrl, { method: 'POST', body: `DROP DATABASE IF EXISTS ${database}` });
    const redis = new Redis(redisUrl, { lazyConnect: true });
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `meridian:${tenant}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
    await tmp.cleanup();
  });

  it('parses every query and finds the engine data each one shows', { timeout: 90_000 }, async () => {
    const prom = prometheus as PrivatePrometheus;
    // Enough scrapes of both processes for rates over them.
    await waitFor(async () => hasNumber(await prom.query('min(count_over_time(up{job=~"meridian|meridian-worker"}[1m])) >= 5 and count(up == 1) == 2')), {
      timeoutMs: 30_000,
      intervalMs: 500,
      what: "scrapes of serve and worker",
    });

    const rules = readRules();
    const queries: NamedQuery[] = [
      ...panelQueries(readDashboards()).map((q) => ({ where: q.where, expr: substituteVariables(q.expr) })),
      ...rules.map((r) => ({ where: `rule ${r.name}`, expr: r.kind === 'alert' ? withBool(r.expr) : r.expr })),
    ];
    const results = new Map<NamedQuery, QueryResult>();
    const lacking = (): NamedQuery[] => queries.filter((q) => !hasNumber(results.get(q) ?? { ok: false, error: '' }) && waiting(q.expr) === undefined);
    // Series appear as the load goes on (the first lag report, the first flush): poll until all are there.
    await waitFor(
      async () => {
        for (const q of queries) if (!hasNumber(results.get(q) ?? { ok: false, error: '' })) results.set(q, await prom.query(q.expr));
        return lacking().length === 0 || queries.some((q) => results.get(q)?.ok === false);
      },
      { timeoutMs: 40_000, intervalMs: 1000, what: 'data for every query' },
    ).catch(() => undefined);

    const unparsed = queries.flatMap((q) => {
      const r = results.get(q);
      return r?.ok === false ? [`${q.where}: ${r.error}\n  ${q.expr}`] : [];
    });
    expect(unparsed, 'queries Prometheus rejects').toEqual([]);
    expect(lacking().map((q) => `${q.where}\n  ${q.expr}`), 'queries without data').toEqual([]);
    expect(queries.length).toBeGreaterThan(90);

    // A listed series that now has data must come off the list.
    for (const [metric, { present }] of Object.entries(NO_DATA_YET)) {
      const r = await prom.query(present);
      expect(r.ok && r.samples.length > 0, `${metric} has data now: take it off NO_DATA_YET`).toBe(false);
    }

    // Prometheus loaded the same rules and evaluates each without error.
    const loaded = await prom.getJson<{ data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] } }>('/api/v1/rules');
    const evaluated = loaded.data.groups.flatMap((g) => g.rules);
    expect(evaluated.map((r) => r.name).sort()).toEqual(rules.map((r) => r.name).sort());
    for (const r of evaluated) expect(r.health, `${r.name}: ${r.lastError ?? ''}`).toBe('ok');

    // The template variable's values, and the production adapters behind the store panels.
    const jobs = await prom.getJson<{ data: string[] }>(`/api/v1/label/job/values?match[]=meridian_process_cpu_seconds_total`);
    expect(jobs.data.sort()).toEqual(['meridian', 'meridian-worker']);
    const services = await prom.query('sum by (service) (meridian_service_call_duration_seconds_count)');
    expect(services.ok && services.samples.map((s) => s.metric.service).sort()).toEqual(['clickhouse', 'kafka', 'redis']);
    const lag = await prom.query(`meridian_kafka_consumer_lag{topic="${topic}"}`);
    expect(lag.ok && lag.samples.length).toBeGreaterThan(0);

    const counts = (load as Load).counts;
    expect(counts.failures).toEqual([]);
    expect(counts.status['4xx']).toBeGreaterThan(0);
    expect(counts.status['5xx'] ?? 0).toBe(0);
  });
});
