import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { EVENT_SCHEMAS, EVENT_TYPES, type EventType, type MeridianEvent } from './events.ts';

/**
 * The event times an ingest path accepts, inclusive, in ms since the epoch: `min` a fixed floor
 * (replays of old logs are normal), `max` the caller's clock plus a margin (a view stamped far in
 * the future would pin an item in trending for good). See `eventTimeBounds`.
 */
export interface TimeBounds {
  min: number;
  max: number;
}

/** How far event time may run ahead of the clock, and the earliest event time accepted. */
export interface EventTimeWindow {
  maxAheadMs: number;
  earliestTs: number;
}

/** 24 h ahead of the clock; nothing before 2000-01-01 (UTC). */
export const DEFAULT_EVENT_TIME_WINDOW: Readonly<EventTimeWindow> = Object.freeze({ maxAheadMs: 86_400_000, earliestTs: Date.UTC(2000, 0, 1) });

/** The bounds of `window` at clock time `now`. */
export function eventTimeBounds(window: Readonly<EventTimeWindow>, now: number): TimeBounds {
  return { min: window.earliestTs, max: now + window.maxAheadMs };
}

/** One reason an event was rejected: the field (dotted path), the rule it broke and a message. */
export interface FieldError {
  field: string;
  rule: string;
  message: string;
}

/** Bounded set of rejection reasons, used as a metric label and in dead letters. */
export type RejectReason = 'not_an_object' | 'unknown_type' | 'invalid_field' | 'missing_shopper' | 'unparseable';

export type Validation =
  | { ok: true; event: MeridianEvent }
  | { ok: false; reason: RejectReason; id: string | undefined; errors: FieldError[] };

const compiled = new Map<EventType, TypeCheck<TSchema>>(
  EVENT_TYPES.map((t) => [t, TypeCompiler.Compile(EVENT_SCHEMAS[t])]),
);

/** `/prices/DE/amount` → `prices.DE.amount`; the root is `event`. */
function fieldOf(path: string): string {
  if (path === '') return 'event';
  return path.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
}

/** The JSON Schema keyword an error broke, named as in the schema (pattern, minimum, required...). */
const RULES: Partial<Record<ValueErrorType, string>> = {
  [ValueErrorType.StringPattern]: 'pattern',
  [ValueErrorType.StringMinLength]: 'minLength',
  [ValueErrorType.StringMaxLength]: 'maxLength',
  [ValueErrorType.NumberMinimum]: 'minimum',
  [ValueErrorType.IntegerMinimum]: 'minimum',
  [ValueErrorType.NumberMaximum]: 'maximum',
  [ValueErrorType.IntegerMaximum]: 'maximum',
  [ValueErrorType.NumberExclusiveMinimum]: 'exclusiveMinimum',
  [ValueErrorType.IntegerExclusiveMinimum]: 'exclusiveMinimum',
  [ValueErrorType.NumberExclusiveMaximum]: 'exclusiveMaximum',
  [ValueErrorType.IntegerExclusiveMaximum]: 'exclusiveMaximum',
  [ValueErrorType.ArrayMinItems]: 'minItems',
  [ValueErrorType.ArrayMaxItems]: 'maxItems',
  [ValueErrorType.ArrayUniqueItems]: 'uniqueItems',
  [ValueErrorType.ObjectMinProperties]: 'minProperties',
  [ValueErrorType.ObjectMaxProperties]: 'maxProperties',
  [ValueErrorType.ObjectRequiredProperty]: 'required',
  [ValueErrorType.ObjectAdditionalProperties]: 'additionalProperties',
  [ValueErrorType.Literal]: 'const',
};

const ruleOf = (err: ValueError): string => RULES[err.type] ?? 'type';

/**
 * The path of the first string (a value or a property name) in `v` that is not well-formed UTF-16
 * (a lone surrogate), or undefined. ClickHouse refuses such text, and so would any other store.
 * Runs on values the schema accepted, so the depth is the schema's.
 */
function illFormedPath(v: unknown): string[] | undefined {
  if (typeof v === 'string') return v.isWellFormed() ? undefined : [];
  if (typeof v !== 'object' || v === null) return undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const inner = illFormedPath(v[i]);
      if (inner !== undefined) return [String(i), ...inner];
    }
    return undefined;
  }
  for (const key in v) {
    if (!key.isWellFormed()) return [key.toWellFormed()];
    const inner = illFormedPath((v as Record<string, unknown>)[key]);
    if (inner !== undefined) return [key, ...inner];
  }
  return undefined;
}

/** The checks a schema cannot express: well-formed text, event time within `bounds`. */
function contentError(obj: Record<string, unknown>, bounds: TimeBounds | undefined): FieldError | undefined {
  const path = illFormedPath(obj);
  if (path !== undefined) {
    const field = path.join('.');
    return { field, rule: 'wellFormed', message: `${field}: must be well-formed UTF-16 text (it holds a lone surrogate)` };
  }
  return bounds === undefined ? undefined : eventTimeError(obj.ts as number, bounds);
}

/** Why event time `ts` is outside `bounds`, naming `ts`; undefined inside. */
export function eventTimeError(ts: number, bounds: TimeBounds): FieldError | undefined {
  if (ts < bounds.min) {
    return { field: 'ts', rule: 'minimum', message: `ts: ${ts} is before the earliest event time accepted, ${bounds.min} (${new Date(bounds.min).toISOString()})` };
  }
  if (ts > bounds.max) {
    return { field: 'ts', rule: 'maximum', message: `ts: ${ts} is further ahead of the clock than accepted (latest now: ${bounds.max}, ${new Date(bounds.max).toISOString()})` };
  }
  return undefined;
}

/**
 * Validates one decoded JSON value as an event. Never throws: the result names every broken field
 * (up to 10) so a client can fix its payload in one round. `bounds`, when given, limits event time
 * (see `eventTimeBounds`); without it any `ts` the schema allows passes.
 */
export function validateEvent(raw: unknown, bounds?: TimeBounds): Validation {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: 'not_an_object', id: undefined, errors: [{ field: 'event', rule: 'type', message: 'an event must be a JSON object' }] };
  }
  const obj = raw as Record<string, unknown>;
  const id = typeof obj.id === 'string' ? obj.id : undefined;
  const type = obj.type;
  if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type)) {
    return {
      ok: false,
      reason: 'unknown_type',
      id,
      errors: [{ field: 'type', rule: 'enum', message: `type must be one of ${EVENT_TYPES.join(', ')}` }],
    };
  }
  const check = compiled.get(type as EventType);
  if (check === undefined) throw new Error(`no validator for ${type}`);
  if (!check.Check(obj)) {
    const errors: FieldError[] = [];
    const seen = new Set<string>();
    for (const err of check.Errors(obj)) {
      // A missing property's path names the property itself (`/currency`), so it is the field.
      const field = fieldOf(err.path);
      if (seen.has(field)) continue;
      seen.add(field);
      errors.push({ field, rule: ruleOf(err), message: `${field}: ${err.message}` });
      if (errors.length >= 10) break;
    }
    return { ok: false, reason: 'invalid_field', id, errors };
  }
  if (type !== 'item_upsert' && type !== 'item_delete' && obj.user_id === undefined && obj.session_id === undefined) {
    return {
      ok: false,
      reason: 'missing_shopper',
      id,
      errors: [{ field: 'user_id', rule: 'required', message: 'user_id: a shopper event needs user_id or session_id' }],
    };
  }
  const broken = contentError(obj, bounds);
  if (broken !== undefined) return { ok: false, reason: 'invalid_field', id: id !== undefined && id.isWellFormed() ? id : undefined, errors: [broken] };
  const event = (obj.tenant === undefined ? { ...obj, tenant: 'default' } : obj) as MeridianEvent;
  return { ok: true, event };
}

/** Parses one line of NDJSON and validates it (event time within `bounds`, when given). */
export function parseEventLine(line: string, bounds?: TimeBounds): Validation {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    return {
      ok: false,
      reason: 'unparseable',
      id: undefined,
      errors: [{ field: 'event', rule: 'json', message: `not valid JSON: ${(e as Error).message}` }],
    };
  }
  return validateEvent(raw, bounds);
}
