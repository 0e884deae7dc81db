import { badRequest, MeridianError } from '../core/index.ts';
import { DEFAULT_PARAMS, validateParams, type ModelParams } from '../models/index.ts';

/**
 * What a model version tells serving about its ranking, beside the encoders: the sequence model's
 * parameters tuned on validation, and the learned component's place in the blend. Both are optional:
 * a version without them (trained with `--no-tune`, or before they existed) is served with the
 * defaults.
 *
 * JSON has no Infinity, and some parameters use it (neighbours.recencyScale: no recency weighting):
 * in the manifest +Infinity is written as null and read back as Infinity; no other non-finite number
 * is accepted.
 */

/** The learned component at cut K, times `weight`: max(0, s(i) − s₍K₊₁₎) / (s₍₁₎ − s₍K₊₁₎). */
export interface LearnedBlend {
  weight: number;
  cut: number;
}

export interface SequenceSection {
  params: ModelParams;
}

export interface BlendSection {
  learned: LearnedBlend;
}

type Group = keyof ModelParams;
const GROUPS = Object.keys(DEFAULT_PARAMS) as Group[];
const keysOf = (g: Group): string[] => Object.keys(DEFAULT_PARAMS[g]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fails on a key the shape does not have: a field this code does not know cannot be served as meant. */
function onlyKeys(o: Record<string, unknown>, known: readonly string[], at: string, fail: (field: string, msg: string) => never): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) fail(`${at}.${k}`, 'is not a known field');
}

/** The same walk both ways: every group and key of ModelParams, each value mapped by `f`. */
function mapParams(
  raw: unknown,
  at: string,
  f: (v: unknown, field: string) => number | null,
  fail: (field: string, msg: string) => never,
): Record<string, Record<string, number | null>> {
  if (!isObject(raw)) return fail(at, 'must be an object');
  onlyKeys(raw, GROUPS, at, fail);
  const out: Record<string, Record<string, number | null>> = {};
  for (const g of GROUPS) {
    const group = raw[g];
    if (!isObject(group)) return fail(`${at}.${g}`, 'must be an object');
    onlyKeys(group, keysOf(g), `${at}.${g}`, fail);
    const mapped: Record<string, number | null> = {};
    for (const k of keysOf(g)) mapped[k] = f(group[k], `${at}.${g}.${k}`);
    out[g] = mapped;
  }
  return out;
}

const invalid = (field: string, msg: string): never => {
  throw badRequest('model_invalid', `${field} ${msg}`, field);
};

/** Checks what a training run hands over; the params as the manifest stores them (Infinity as null). */
export function encodeSequence(s: SequenceSection): { params: Record<string, Record<string, number | null>> } {
  const params = mapParams(s.params, 'sequence.params', (v, field) => {
    if (v === Infinity) return null;
    if (typeof v !== 'number' || !Number.isFinite(v)) return invalid(field, `must be a finite number or Infinity, got ${String(v)}`);
    return v;
  }, invalid);
  try {
    validateParams(s.params);
  } catch (e) {
    invalid('sequence.params', (e as Error).message);
  }
  return { params };
}

/** A valid blend section (a copy), or `fail` naming the field. */
export function checkBlend(b: unknown, fail: (field: string, msg: string) => never = invalid): BlendSection {
  if (!isObject(b)) return fail('blend', 'must be an object');
  onlyKeys(b, ['learned'], 'blend', fail);
  const l: unknown = b.learned;
  if (!isObject(l)) return fail('blend.learned', 'must be an object');
  onlyKeys(l, ['weight', 'cut'], 'blend.learned', fail);
  if (typeof l.weight !== 'number' || !(Number.isFinite(l.weight) && l.weight >= 0)) fail('blend.learned.weight', `must be a finite number >= 0, got ${String(l.weight)}`);
  if (typeof l.cut !== 'number' || !(Number.isInteger(l.cut) && l.cut >= 1)) fail('blend.learned.cut', `must be an integer >= 1, got ${String(l.cut)}`);
  return { learned: { weight: l.weight as number, cut: l.cut as number } };
}

const corrupt = (version: string) => (field: string, msg: string): never => {
  throw new MeridianError('model_corrupt', `${version}: manifest field ${field} ${msg}`, { field });
};

/** The sequence section of a stored manifest, validated (null read as Infinity). */
export function decodeSequence(raw: unknown, version: string): SequenceSection {
  const fail = corrupt(version);
  if (!isObject(raw)) return fail('sequence', 'must be an object');
  onlyKeys(raw, ['params'], 'sequence', fail);
  const mapped = mapParams(raw.params, 'sequence.params', (v, field) => {
    if (v === null) return Infinity;
    if (typeof v !== 'number' || !Number.isFinite(v)) return fail(field, `must be a finite number or null (Infinity), got ${JSON.stringify(v) ?? 'nothing'}`);
    return v;
  }, fail);
  const params = mapped as unknown as ModelParams;
  try {
    validateParams(params);
  } catch (e) {
    fail('sequence.params', (e as Error).message);
  }
  return { params };
}

/** The blend section of a stored manifest, validated. */
export function decodeBlend(raw: unknown, version: string): BlendSection {
  return checkBlend(raw, corrupt(version));
}
