import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
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
