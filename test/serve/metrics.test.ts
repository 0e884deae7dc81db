import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createInstrumentation } from '../../src/core/index.ts';
import { createMetrics } from '../../src/serve/index.ts';
import { build } from '../support/build.ts';

const NAMES = [
  'meridian_http_request_duration_seconds',
  'meridian_http_requests_total',
  'meridian_events_accepted_total',
  'meridian_events_rejected_total',
  'meridian_event_apply_duration_seconds',
  'meridian_event_freshness_seconds',
  'meridian_events_applied_total',
  'meridian_events_duplicate_total',
  'meridian_dead_letters_total',
  'meridian_index_search_duration_seconds',
  'meridian_index_upserts_total',
  'meridian_eventstore_flush_duration_seconds',
  'meridian_eventstore_flushed_events_total',
  'meridian_eventstore_flush_errors_total',
  'meridian_featurestore_snapshot_duration_seconds',
  'meridian_featurestore_snapshot_errors_total',
  'meridian_model_info',
  'meridian_service_call_duration_seconds',
  'meridian_process_cpu_seconds_total',
];

/** The value of one sample line of the exposition text, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function fresh(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  const instrumentation = createInstrumentation();
  const metrics = createMetrics({ registry, instrumentation, defaultMetrics: opts.defaultMetrics ?? false });
  return { registry, instrumentation, metrics };
}

describe('GET /metrics', () => {
  it('exposes every metric, labelled by route pattern, after requests and instrumentation events', async () => {
    const { app, instrumentation } = await build();
    await app.inject({ url: '/v1/items/sku-1/similar?market=US' });
    await app.inject({ url: '/v1/items/sku-2/similar?market=US' });
    await app.inject({ url: '/v1/items/sku-2/similar' });
    await app.inject({ url: '/no/such/path/123' });
    instrumentation.emit('ingest.accepted', { type: 'click', source: 'http' });
    instrumentation.emit('ingest.rejected', { reason: 'invalid_field', type: 'view', source: 'http' });
    instrumentation.emit('online.applied', { type: 'click', applyMs: 0.2, freshnessMs: 35, duplicate: false });
    instrumentation.emit('online.applied', { type: 'click', applyMs: 0.1, freshnessMs: 1, duplicate: true });
    instrumentation.emit('eventstore.flushed', { events: 500, ms: 12, ok: true });
    instrumentation.emit('eventstore.flushed', { events: 20, ms: 3, ok: false });
    instrumentation.emit('featurestore.snapshot', { ok: true, ms: 40, serializeMs: 25, bytes: 4096, trigger: 'interval' });
    instrumentation.emit('featurestore.snapshot', { ok: false, ms: 2, serializeMs: 0, bytes: 0, trigger: 'flush' });
    instrumentation.emit('index.upsert', { kind: 'vector' });
    instrumentation.emit('index.search', { kind: 'lexical', ms: 0.8 });
    instrumentation.emit('deadletter.written', { source: 'kafka', reason: 'unparseable' });
    instrumentation.emit('model.activated', { version: 'v2' });
    instrumentation.emit('service.call', { service: 'redis', op: 'pipeline', ms: 1.5, ok: true });

    const res = await app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    for (const name of NAMES) expect(text, name).toContain(`# TYPE ${name} `);

    expect(sample(text, 'meridian_http_requests_total{route="/v1/items/:id/similar",method="GET",status_code="200"}')).toBe(2);
    expect(sample(text, 'meridian_http_requests_total{route="/v1/items/:id/similar",method="GET",status_code="400"}')).toBe(1);
    expect(sample(text, 'meridian_http_requests_total{route="unmatched",method="GET",status_code="404"}')).toBe(1);
    expect(text).not.toContain('sku-1');
    expect(text).not.toContain('/no/such/path');
    expect(sample(text, 'meridian_http_request_duration_seconds_count{route="/v1/items/:id/similar",method="GET",status_code="200"}')).toBe(2);

    expect(sample(text, 'meridian_events_accepted_total{type="click",source="http"}')).toBe(1);
    expect(sample(text, 'meridian_events_rejected_total{reason="invalid_field",type="view",source="http"}')).toBe(1);
    expect(sample(text, 'meridian_events_applied_total{type="click"}')).toBe(1);
    expect(sample(text, 'meridian_events_duplicate_total')).toBe(1);
    expect(sample(text, 'meridian_event_freshness_seconds_sum')).toBeCloseTo(0.035);
    expect(sample(text, 'meridian_event_freshness_seconds_bucket{le="0.05"}')).toBe(1);
    expect(sample(text, 'meridian_event_apply_duration_seconds_count')).toBe(1);
    expect(sample(text, 'meridian_eventstore_flushed_events_total')).toBe(500);
    expect(sample(text, 'meridian_eventstore_flush_errors_total')).toBe(1);
    expect(sample(text, 'meridian_eventstore_flush_duration_seconds_count')).toBe(2);
    expect(sample(text, 'meridian_featurestore_snapshot_duration_seconds_count')).toBe(1);
    expect(sample(text, 'meridian_featurestore_snapshot_duration_seconds_sum')).toBeCloseTo(0.04);
    expect(sample(text, 'meridian_featurestore_snapshot_errors_total')).toBe(1);
    expect(sample(text, 'meridian_index_upserts_total{kind="vector"}')).toBe(1);
    expect(sample(text, 'meridian_index_search_duration_seconds_count{kind="lexical"}')).toBe(1);
    expect(sample(text, 'meridian_dead_letters_total{source="kafka",reason="unparseable"}')).toBe(1);
    expect(sample(text, 'meridian_model_info{version="v2"}')).toBe(1);
    expect(sample(text, 'meridian_service_call_duration_seconds_count{service="redis",op="pipeline",ok="true"}')).toBe(1);
  });
});

describe('createMetrics', () => {
  it('bounds label values: unknown types, reasons, sources and kinds collapse', async () => {
    const { registry, instrumentation, metrics } = fresh();
    instrumentation.emit('ingest.rejected', { reason: 'x'.repeat(300), type: '<script>', source: 'somewhere' });
    instrumentation.emit('ingest.accepted', { type: 'purchase', source: 'replay' });
    instrumentation.emit('online.applied', { type: 'whatever', applyMs: 1, freshnessMs: -5, duplicate: false });
    instrumentation.emit('deadletter.written', { source: 'http', reason: 'user said so' });
    instrumentation.emit('service.call', { service: 'mysql', op: 'select * from users', ms: 1, ok: false });
    instrumentation.emit('index.upsert', { kind: 'graph' as 'vector' });
    metrics.observeHttp({ route: '/x', method: 'BREW', statusCode: 418, seconds: 0.001 });
    const text = await registry.metrics();
    expect(sample(text, 'meridian_events_rejected_total{reason="other",type="unknown",source="other"}')).toBe(1);
    expect(sample(text, 'meridian_events_accepted_total{type="purchase",source="replay"}')).toBe(1);
    expect(sample(text, 'meridian_events_applied_total{type="unknown"}')).toBe(1);
    // A negative freshness (clock skew) counts as zero, never a negative observation.
    expect(sample(text, 'meridian_event_freshness_seconds_sum')).toBe(0);
    expect(sample(text, 'meridian_dead_letters_total{source="http",reason="other"}')).toBe(1);
    expect(sample(text, 'meridian_service_call_duration_seconds_count{service="other",op="other",ok="false"}')).toBe(1);
    expect(sample(text, 'meridian_index_upserts_total{kind="other"}')).toBe(1);
    expect(sample(text, 'meridian_http_requests_total{route="/x",method="other",status_code="418"}')).toBe(1);
    metrics.close();
  });

  it('keeps one model_info series: the active version', async () => {
    const { registry, instrumentation, metrics } = fresh();
    instrumentation.emit('model.activated', { version: 'v1' });
    instrumentation.emit('model.activated', { version: 'v2' });
    const text = await registry.metrics();
    expect(sample(text, 'meridian_model_info{version="v2"}')).toBe(1);
    expect(text).not.toContain('version="v1"');
    metrics.close();
  });

  it('stops counting after close', async () => {
    const { registry, instrumentation, metrics } = fresh();
    instrumentation.emit('ingest.accepted', { type: 'view', source: 'http' });
    metrics.close();
    instrumentation.emit('ingest.accepted', { type: 'view', source: 'http' });
    expect(sample(await registry.metrics(), 'meridian_events_accepted_total{type="view",source="http"}')).toBe(1);
  });

  it('registers default process metrics with the prefix in the given registry only', async () => {
    const { registry, metrics } = fresh({ defaultMetrics: true });
    const text = await registry.metrics();
    expect(text).toContain('# TYPE meridian_process_cpu_seconds_total counter');
    expect(text).toContain('meridian_nodejs_eventloop_lag_seconds');
    const { register: global } = await import('prom-client');
    expect(global.getSingleMetric('meridian_http_requests_total')).toBeUndefined();
    metrics.close();
  });

  it('honours another prefix', async () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry, instrumentation: createInstrumentation(), prefix: 'shop_', defaultMetrics: false });
    expect(await registry.metrics()).toContain('# TYPE shop_http_requests_total counter');
    metrics.close();
  });

  it('fails fast on a bad prefix or a second registration in one registry', () => {
    const { registry, instrumentation, metrics } = fresh();
    expect(() => createMetrics({ registry, instrumentation })).toThrow(/already has Meridian metrics/);
    expect(() => createMetrics({ registry: new Registry(), instrumentation, prefix: 'bad prefix' })).toThrow(/invalid metric prefix/);
    metrics.close();
  });
});
