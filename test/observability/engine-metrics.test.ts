import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createInstrumentation } from '../../src/core/index.ts';
import { createMetrics, type GaugeSources } from '../../src/serve/index.ts';

function fresh(gauges?: GaugeSources) {
  const registry = new Registry();
  const instrumentation = createInstrumentation();
  const metrics = createMetrics({ registry, instrumentation, defaultMetrics: false, ...(gauges === undefined ? {} : { gauges }) });
  /** Sample lines of the exposition text that start with `prefix`. */
  const lines = async (prefix: string): Promise<string[]> => (await registry.metrics()).split('\n').filter((l) => l.startsWith(prefix));
  return { registry, instrumentation, metrics, lines };
}

describe('engine gauges read at scrape time', () => {
  it('expose the index size and the model in service from their sources', async () => {
    let size = { vector: 120, lexical: 118 };
    const createdAt = Date.UTC(2026, 10, 1);
    const { lines } = fresh({
      indexSize: () => size,
      model: () => ({ version: 'two-tower-v7', createdAt }),
      now: () => createdAt + 3 * 86_400_000,
    });
    expect(await lines('meridian_index_items')).toEqual(['meridian_index_items{kind="vector"} 120', 'meridian_index_items{kind="lexical"} 118']);
    expect(await lines('meridian_model_info')).toEqual(['meridian_model_info{version="two-tower-v7"} 1']);
    expect(await lines('meridian_model_age_seconds')).toEqual(['meridian_model_age_seconds{version="two-tower-v7"} 259200']);
    size = { vector: 121, lexical: 119 };
    expect(await lines('meridian_index_items{kind="vector"}')).toEqual(['meridian_index_items{kind="vector"} 121']);
  });

  it('expose the sequence models\' backlog and how many can rank', async () => {
    let seq = { backlog: 1200, healthy: 2, failed: 0 };
    const { lines } = fresh({ sequence: () => seq });
    expect(await lines('meridian_sequence_backlog_events')).toEqual(['meridian_sequence_backlog_events 1200']);
    expect(await lines('meridian_sequence_models')).toEqual(['meridian_sequence_models{state="healthy"} 2', 'meridian_sequence_models{state="failed"} 0']);
    seq = { backlog: 0, healthy: 1, failed: 1 };
    expect(await lines('meridian_sequence_models{state="failed"}')).toEqual(['meridian_sequence_models{state="failed"} 1']);
    expect(await fresh().lines('meridian_sequence_models')).toEqual([]);
  });

  it('follow a model change, and show no age for a model without a timestamp and nothing without a model', async () => {
    let model: { version: string; createdAt?: number } | undefined = { version: 'v1' };
    const { lines } = fresh({ model: () => model, now: () => 5000 });
    expect(await lines('meridian_model_info')).toEqual(['meridian_model_info{version="v1"} 1']);
    expect(await lines('meridian_model_age_seconds')).toEqual([]);
    model = { version: 'v2', createdAt: 1000 };
    expect(await lines('meridian_model_info')).toEqual(['meridian_model_info{version="v2"} 1']);
    expect(await lines('meridian_model_age_seconds')).toEqual(['meridian_model_age_seconds{version="v2"} 4']);
    model = { version: 'bad version with spaces', createdAt: 1000 };
    expect(await lines('meridian_model_info')).toEqual(['meridian_model_info{version="other"} 1']);
    model = undefined;
    expect(await lines('meridian_model_info')).toEqual([]);
    expect(await lines('meridian_model_age_seconds')).toEqual([]);
  });

  it('have no series without sources; model_info then follows model.activated', async () => {
    const { lines, instrumentation } = fresh();
    expect(await lines('meridian_index_items')).toEqual([]);
    expect(await lines('meridian_model_age_seconds')).toEqual([]);
    instrumentation.emit('model.activated', { version: 'v3' });
    expect(await lines('meridian_model_info')).toEqual(['meridian_model_info{version="v3"} 1']);
  });
});

describe('metrics from instrumentation events', () => {
  it('observe accepted → visible latency in seconds', async () => {
    const { lines, instrumentation } = fresh();
    instrumentation.emit('online.visible', { ms: 4 });
    instrumentation.emit('online.visible', { ms: 40 });
    expect(await lines('meridian_event_visible_seconds_count')).toEqual(['meridian_event_visible_seconds_count 2']);
    expect(await lines('meridian_event_visible_seconds_sum')).toEqual(['meridian_event_visible_seconds_sum 0.044']);
    expect(await lines('meridian_event_visible_seconds_bucket{le="0.005"}')).toEqual(['meridian_event_visible_seconds_bucket{le="0.005"} 1']);
  });

  it('keep the latest sampled recall per k and ignore values that are not a share', async () => {
    const { lines, instrumentation } = fresh();
    instrumentation.emit('index.recall', { recall: 0.93, k: 10, queries: 16 });
    instrumentation.emit('index.recall', { recall: 0.97, k: 10, queries: 16 });
    instrumentation.emit('index.recall', { recall: 1.5, k: 10, queries: 16 });
    instrumentation.emit('index.recall', { recall: 0.5, k: 0, queries: 16 });
    expect(await lines('meridian_index_recall_ratio')).toEqual(['meridian_index_recall_ratio{k="10"} 0.97']);
  });

  it('count training runs by outcome from zero, with their duration', async () => {
    const { lines, instrumentation } = fresh();
    expect(await lines('meridian_training_runs_total')).toEqual([
      'meridian_training_runs_total{status="succeeded"} 0',
      'meridian_training_runs_total{status="failed"} 0',
    ]);
    instrumentation.emit('training.finished', { status: 'succeeded', ms: 90_000 });
    instrumentation.emit('training.finished', { status: 'failed', ms: 2_000 });
    instrumentation.emit('training.finished', { status: 'succeeded', ms: 30_000 });
    expect(await lines('meridian_training_runs_total')).toEqual([
      'meridian_training_runs_total{status="succeeded"} 2',
      'meridian_training_runs_total{status="failed"} 1',
    ]);
    expect(await lines('meridian_training_duration_seconds_sum')).toEqual(['meridian_training_duration_seconds_sum 122']);
    expect(await lines('meridian_training_duration_seconds_bucket{le="60"}')).toEqual(['meridian_training_duration_seconds_bucket{le="60"} 2']);
  });

  it('show the offline metrics of the latest evaluated model only, with bounded names', async () => {
    const { lines, instrumentation } = fresh();
    instrumentation.emit('model.evaluated', { version: 'v1', metrics: { hr_at_10: 0.61, ndcg_at_10: 0.37 } });
    instrumentation.emit('model.evaluated', { version: 'v2', metrics: { hr_at_10: 0.64, 'weird name!': 1, nan: Number.NaN } });
    expect(await lines('meridian_model_offline_metric')).toEqual([
      'meridian_model_offline_metric{metric="hr_at_10"} 0.64',
      'meridian_model_offline_metric{metric="other"} 1',
    ]);
  });

  it('start Kafka handler retries at zero for both outage values, and stop listening on close', async () => {
    const { lines, instrumentation, metrics } = fresh();
    expect(await lines('meridian_kafka_handler_retries_total')).toEqual([
      'meridian_kafka_handler_retries_total{outage="true"} 0',
      'meridian_kafka_handler_retries_total{outage="false"} 0',
    ]);
    metrics.close();
    instrumentation.emit('online.visible', { ms: 3 });
    instrumentation.emit('training.finished', { status: 'failed', ms: 1 });
    expect(await lines('meridian_event_visible_seconds_count')).toEqual(['meridian_event_visible_seconds_count 0']);
    expect(await lines('meridian_training_runs_total{status="failed"}')).toEqual(['meridian_training_runs_total{status="failed"} 0']);
  });
});
