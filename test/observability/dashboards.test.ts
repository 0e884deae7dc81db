import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createInstrumentation } from '../../src/core/index.ts';
import { createMetrics } from '../../src/serve/index.ts';
import { requireBinary } from './prometheus.ts';
import {
  DASHBOARDS_DIR,
  DATASOURCE_UID,
  RULES_FILE,
  allPanels,
  panelQueries,
  readDashboards,
  readRules,
  ruleTestCoverage,
  withBool,
} from './queries.ts';

const dashboards = readDashboards();

/** Every series name the engine exposes (histograms with their _bucket, _sum and _count). */
async function exposedSeries(): Promise<Set<string>> {
  const registry = new Registry();
  createMetrics({ registry, instrumentation: createInstrumentation() });
  const names = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

const metricNames = (expr: string): string[] => [...expr.matchAll(/\bmeridian_[a-z0-9_]+/g)].map((m) => m[0]);

describe('the Grafana dashboards', () => {
  it('are the four expected dashboards with distinct uids', () => {
    expect(dashboards.map((d) => d.file)).toEqual(['ingest.json', 'models.json', 'overview.json', 'serving.json']);
    const uids = dashboards.map((d) => d.dashboard.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const { file, dashboard } of dashboards) expect(dashboard.title, file).toMatch(/^Meridian \/ /);
  });

  it('name the datasource by its fixed uid, never by an import input', () => {
    for (const { file, text, dashboard } of dashboards) {
      expect(text, file).not.toContain('${DS_');
      expect(text, file).not.toContain('__inputs');
      for (const v of dashboard.templating?.list ?? []) {
        if (v.type === 'query') expect(v.datasource, `${file} variable ${v.name}`).toEqual({ type: 'prometheus', uid: DATASOURCE_UID });
      }
      for (const p of allPanels(dashboard)) {
        if (p.type === 'row') continue;
        expect(p.datasource, `${file} panel ${p.id}`).toEqual({ type: 'prometheus', uid: DATASOURCE_UID });
        expect(p.targets?.length, `${file} panel ${p.id} has queries`).toBeGreaterThan(0);
        for (const t of p.targets ?? []) expect(t.datasource?.uid, `${file} panel ${p.id} ${t.refId}`).toBe(DATASOURCE_UID);
      }
    }
  });

  it('have unique panel ids and unique query refIds within a panel', () => {
    for (const { file, dashboard } of dashboards) {
      const ids = allPanels(dashboard).map((p) => p.id);
      expect(ids.every((id) => Number.isInteger(id)), file).toBe(true);
      expect(new Set(ids).size, file).toBe(ids.length);
      for (const p of allPanels(dashboard)) {
        const refs = (p.targets ?? []).map((t) => t.refId);
        expect(new Set(refs).size, `${file} panel ${p.id}`).toBe(refs.length);
      }
    }
  });

  it('query only metrics the engine exposes, with windows Grafana sizes to the scrape interval', async () => {
    const exposed = await exposedSeries();
    const queries = panelQueries(dashboards);
    expect(queries.length).toBeGreaterThan(40);
    for (const q of queries) {
      for (const name of metricNames(q.expr)) expect(exposed.has(name), `${q.where}: ${name}`).toBe(true);
      // A fixed short window breaks at a long scrape interval; long SLO windows are fixed on purpose.
      const outsideStrings = q.expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
      for (const [, w] of outsideStrings.matchAll(/\[([^\]]+)\]/g)) expect(w, q.where).toMatch(/^(\$__rate_interval|\$__range|5m|30m|1h|6h|1d)$/);
    }
  });

  it('are provisioned with the datasource uid and the folder docker-compose.yml mounts', () => {
    const ds = parse(readFileSync(join(DASHBOARDS_DIR, 'provisioning', 'datasources', 'prometheus.yml'), 'utf8')) as {
      datasources: { uid: string; type: string; url: string }[];
    };
    expect(ds.datasources).toEqual([expect.objectContaining({ uid: DATASOURCE_UID, type: 'prometheus', url: 'http://prometheus:9090' })]);
    const providers = parse(readFileSync(join(DASHBOARDS_DIR, 'provisioning', 'dashboards', 'meridian.yml'), 'utf8')) as {
      providers: { type: string; options: { path: string } }[];
    };
    expect(providers.providers).toEqual([expect.objectContaining({ type: 'file', options: expect.objectContaining({ path: '/var/lib/grafana/dashboards' }) })]);
    const compose = readFileSync(join(DASHBOARDS_DIR, '..', 'docker-compose.yml'), 'utf8');
    expect(compose).toContain('./dashboards/provisioning:/etc/grafana/provisioning');
    expect(compose).toContain('./dashboards:/var/lib/grafana/dashboards');
  });
});

describe('the alert rules', () => {
  const rules = readRules();

  it('pass promtool check rules', () => {
    const promtool = requireBinary('promtool');
    const r = spawnSync(promtool, ['check', 'rules', RULES_FILE], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('cover the SLO burn rates, consumer lag, freshness, dead letters, a stale model, the sequence models and a down target', () => {
    const alerts = rules.filter((r) => r.kind === 'alert').map((r) => r.name);
    expect(alerts.sort()).toEqual([
      'MeridianAvailabilityBurnFast',
      'MeridianAvailabilityBurnSlow',
      'MeridianDeadLetterRateHigh',
      'MeridianFreshnessSlow',
      'MeridianKafkaConsumerLagHigh',
      'MeridianLatencyBurnFast',
      'MeridianLatencyBurnSlow',
      'MeridianModelStale',
      'MeridianSequenceBacklogHigh',
      'MeridianSequenceModelFailed',
      'MeridianTargetDown',
    ]);
  });

  it('each have a promtool test where they fire and one where they stay silent', () => {
    const { fires, silent } = ruleTestCoverage();
    for (const r of rules.filter((x) => x.kind === 'alert')) {
      expect(fires.has(r.name), `${r.name} fires in a test`).toBe(true);
      expect(silent.has(r.name), `${r.name} stays silent in a test`).toBe(true);
    }
  });

  it('use only the engine metrics and the rules recorded here', async () => {
    const exposed = await exposedSeries();
    const recorded = new Set(rules.filter((r) => r.kind === 'record').map((r) => r.name));
    for (const r of rules) {
      for (const name of metricNames(r.expr)) expect(exposed.has(name), `${r.name}: ${name}`).toBe(true);
      for (const [name] of r.expr.matchAll(/\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+/g)) expect(recorded.has(name), `${r.name}: ${name}`).toBe(true);
    }
  });
});

describe('withBool (how the live check evaluates an alert that does not fire)', () => {
  it('adds bool to comparisons outside label matchers and strings', () => {
    expect(withBool('a:b:c > (14.4 * 0.001) and d:e:f > 0.5')).toBe('a:b:c > bool (14.4 * 0.001) and d:e:f > bool 0.5');
    expect(withBool('up{job=~"meridian.*",x!="a>b"} == 0')).toBe('up{job=~"meridian.*",x!="a>b"} == bool 0');
    expect(withBool('max(x) >= 1 or y <= 2 or z != 3 or w < 4')).toBe('max(x) >= bool 1 or y <= bool 2 or z != bool 3 or w < bool 4');
    expect(withBool('x > bool 1')).toBe('x > bool 1');
  });
});

describe('the engine metrics', () => {
  it('follow Prometheus conventions: meridian_ prefix, _total counters, base units, no per-user or per-item labels', async () => {
    const registry = new Registry();
    createMetrics({ registry, instrumentation: createInstrumentation() });
    const metrics = registry.getMetricsAsArray() as unknown as { name: string; type: string; labelNames: string[] }[];
    expect(metrics.length).toBeGreaterThan(30);
    for (const m of metrics) {
      expect(m.name).toMatch(/^meridian_[a-z0-9_]+$/);
      if (m.type === 'counter') expect(m.name).toMatch(/_total$/);
      if (m.type === 'histogram') expect(m.name).toMatch(/_(seconds|bytes)$/);
      expect(m.name).not.toMatch(/_(ms|milliseconds|minutes|kilobytes|megabytes)(_|$)/);
      const labels = new Set(m.labelNames);
      for (const banned of ['user', 'user_id', 'item', 'item_id', 'session', 'session_id', 'event_id', 'query', 'url', 'path']) {
        expect(labels.has(banned), `${m.name} has label ${banned}`).toBe(false);
      }
    }
  });
});
