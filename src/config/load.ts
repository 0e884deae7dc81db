import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { MeridianError } from '../core/index.ts';
import { ConfigSchema, ENV_KEYS, type Config } from './schema.ts';

export interface ConfigSources {
  /** Environment (usually process.env); only MERIDIAN_* keys are read. */
  env?: Record<string, string | undefined>;
  /** Path of a JSON config file; MERIDIAN_CONFIG in env when absent. */
  file?: string | undefined;
  /** Values that win over file and env (command-line flags). */
  overrides?: Record<string, unknown>;
}

const invalid = (message: string): MeridianError =>
  new MeridianError('config_invalid', message, { statusCode: 500 });

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i] as string;
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function parseEnvValue(name: string, raw: string, kind: 'string' | 'integer' | 'number' | 'boolean'): unknown {
  if (kind === 'string') return raw;
  if (kind === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw invalid(`${name}: expected true or false, got "${raw}"`);
  }
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || (kind === 'integer' && !Number.isInteger(n))) {
    throw invalid(`${name}: expected ${kind === 'integer' ? 'an integer' : 'a number'}, got "${raw}"`);
  }
  return n;
}

function readFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw invalid(`config file ${path}: ${(e as Error).message}`);
  }
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('the top level must be an object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw invalid(`config file ${path}: not valid JSON (${(e as Error).message})`);
  }
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      typeof v === 'object' && v !== null && !Array.isArray(v) && typeof prev === 'object' && prev !== null
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/**
 * Reads defaults, then the file, then MERIDIAN_* variables, then overrides; validates once and
 * returns a frozen config. A bad value fails fast with a message naming the key.
 */
export function loadConfig(sources: ConfigSources = {}): Readonly<Config> {
  const env = sources.env ?? {};
  const file = sources.file ?? env.MERIDIAN_CONFIG;
  let merged: Record<string, unknown> = file === undefined || file === '' ? {} : readFile(file);
  const fromEnv: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(ENV_KEYS)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') setPath(fromEnv, spec.path, parseEnvValue(name, raw, spec.kind));
  }
  merged = deepMerge(merged, fromEnv);
  if (sources.overrides !== undefined) merged = deepMerge(merged, sources.overrides);
  const withDefaults = Value.Default(ConfigSchema, Value.Clone(merged));
  const errors = [...Value.Errors(ConfigSchema, withDefaults)];
  if (errors.length > 0) {
    const lines = errors.slice(0, 8).map((e) => {
      const key = e.path.slice(1).replace(/\//g, '.') || '(root)';
      const envName = Object.entries(ENV_KEYS).find(([, s]) => s.path.join('.') === key)?.[0];
      return `${key}${envName === undefined ? '' : ` (${envName})`}: ${e.message}`;
    });
    throw invalid(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return deepFreeze(withDefaults as Config);
}
