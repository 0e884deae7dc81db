import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** The repository's dashboards folder. */
export const DASHBOARDS_DIR = join(import.meta.dirname, '..', '..', 'dashboards');
export const RULES_FILE = join(DASHBOARDS_DIR, 'rules', 'meridian.rules.yml');
export const RULE_TESTS_DIR = join(DASHBOARDS_DIR, 'rules', 'tests');
export const DATASOURCE_UID = 'meridian-prometheus';

export interface PanelTarget {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}

export interface Panel {
  id?: number;
  type?: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: PanelTarget[];
  panels?: Panel[];
}

export interface Dashboard {
  uid?: string;
  title?: string;
  panels?: Panel[];
  templating?: { list?: { name?: string; type?: string; datasource?: { type?: string; uid?: string }; query?: unknown }[] };
}

export interface DashboardFile {
  file: string;
  text: string;
  dashboard: Dashboard;
}

export function readDashboards(): DashboardFile[] {
  return readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(DASHBOARDS_DIR, file), 'utf8');
      return { file, text, dashboard: JSON.parse(text) as Dashboard };
    });
}

/** Every panel, rows' nested panels included. */
export function allPanels(d: Dashboard): Panel[] {
  const out: Panel[] = [];
  const visit = (ps: readonly Panel[] | undefined): void => {
    for (const p of ps ?? []) {
      out.push(p);
      visit(p.panels);
    }
  };
  visit(d.panels);
  return out;
}

export interface NamedQuery {
  /** Where the query comes from, for failure messages. */
  where: string;
  expr: string;
}

/** The PromQL of every panel target of every dashboard. */
export function panelQueries(files: readonly DashboardFile[]): NamedQuery[] {
  const out: NamedQuery[] = [];
  for (const { file, dashboard } of files) {
    for (const p of allPanels(dashboard)) {
      for (const t of p.targets ?? []) {
        if (t.expr !== undefined) out.push({ where: `${file} panel ${p.id} "${p.title}" target ${t.refId}`, expr: t.expr });
      }
    }
  }
  return out;
}

/**
 * Grafana's variables as a Prometheus query needs them: every job, and the windows Grafana would
 * pick (the live check's data is younger than a minute, so a minute covers all of it).
 */
export function substituteVariables(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '15s')
    .replaceAll('$__range', '5m')
    .replaceAll('$job', '.+');
}

export interface RuleDef {
  group: string;
  name: string;
  kind: 'alert' | 'record';
  expr: string;
}

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[];
}

export function readRules(path = RULES_FILE): RuleDef[] {
  const file = parse(readFileSync(path, 'utf8')) as RuleFile;
  return file.groups.flatMap((g) =>
    g.rules.map((r) => ({
      group: g.name,
      name: r.alert ?? r.record ?? '?',
      kind: r.alert === undefined ? ('record' as const) : ('alert' as const),
      expr: r.expr.trim(),
    })),
  );
}

/**
 * An alert expression with every comparison turned into its `bool` form, so that it returns 0 or 1
 * for every series it compares instead of only the firing ones: the live check can then see that
 * the alert's inputs have data while nothing fires. Comparisons inside label matchers and strings
 * are left alone.
 */
export function withBool(expr: string): string {
  let out = '';
  let braces = 0;
  let quote: string | undefined;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i] as string;
    if (quote !== undefined) {
      out += c;
      if (c === '\\') out += expr[++i] ?? '';
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '{') braces++;
    else if (c === '}') braces--;
    const two = expr.slice(i, i + 2);
    const op = braces > 0 || quote !== undefined ? undefined : ['==', '!=', '>=', '<='].includes(two) ? two : c === '>' || c === '<' ? c : undefined;
    if (op === undefined) {
      out += c;
      continue;
    }
    out += op;
    i += op.length - 1;
    if (!/^\s*bool\b/.test(expr.slice(i + 1))) out += ' bool';
  }
  return out;
}

export interface RuleTestCoverage {
  /** Alert names with an expected firing alert at some eval time. */
  fires: Set<string>;
  /** Alert names with `exp_alerts: []` at some eval time. */
  silent: Set<string>;
}

interface RuleTestFile {
  rule_files?: string[];
  tests?: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

/** Which alerts the promtool tests expect to fire, and which they expect to stay silent. */
export function ruleTestCoverage(dir = RULE_TESTS_DIR): RuleTestCoverage {
  const fires = new Set<string>();
  const silent = new Set<string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yml'))) {
    const file = parse(readFileSync(join(dir, f), 'utf8')) as RuleTestFile;
    for (const t of file.tests ?? []) {
      for (const a of t.alert_rule_test ?? []) (a.exp_alerts === undefined || a.exp_alerts.length === 0 ? silent : fires).add(a.alertname);
    }
  }
  return { fires, silent };
}
