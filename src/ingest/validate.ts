import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { EVENT_SCHEMAS, EVENT_TYPES, type EventType, type MeridianEvent } from './events.ts';

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

function ruleOf(schema: TSchema, message: string): string {
  for (const k of ['pattern', 'minimum', 'maximum', 'minLength', 'maxLength', 'maxItems', 'minProperties', 'maxProperties', 'uniqueItems', 'const'] as const) {
    if (k in schema && message.toLowerCase().includes(k.replace(/([A-Z])/g, ' $1').toLowerCase().split(' ')[0] ?? '')) return k;
  }
  if (message.startsWith('Expected required property')) return 'required';
  if (message.startsWith('Unexpected property')) return 'additionalProperties';
  if (message.startsWith('Expected')) return 'type';
  return 'schema';
}

/**
 * Validates one decoded JSON value as an event. Never throws: the result names every broken field
 * (up to 10) so a client can fix its payload in one round.
 */
export function validateEvent(raw: unknown): Validation {
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
      const field = err.path === '' && err.message.startsWith('Expected required property')
        ? 'event'
        : fieldOf(err.path);
      if (seen.has(field)) continue;
      seen.add(field);
      errors.push({ field, rule: ruleOf(err.schema, err.message), message: `${field}: ${err.message}` });
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
  const event = (obj.tenant === undefined ? { ...obj, tenant: 'default' } : obj) as MeridianEvent;
  return { ok: true, event };
}

/** Parses one line of NDJSON and validates it. */
export function parseEventLine(line: string): Validation {
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
  return validateEvent(raw);
}
