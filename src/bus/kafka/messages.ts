import type { Batch, IHeaders, KafkaMessage, Message } from 'kafkajs';
import { shopperKey, type MeridianEvent } from '../../ingest/index.ts';
import type { BusRecord } from '../port.ts';
import { validateEvent, type FieldError, type RejectReason } from '../../ingest/index.ts';

/**
 * How events and dead letters look on Kafka. An event is its JSON (the wire format) keyed by what
 * must stay in order: the shopper for shopper events, the item for catalog events, within a tenant.
 * A `type` header lets a consumer that follows a few types skip the rest without parsing them.
 */
export const TYPE_HEADER = 'type';

/** Headers of a dead-letter message; its key and value are the source message's. */
export const DLQ_HEADERS = {
  reason: 'reason',
  error: 'error',
  /** Where the input came from: `kafka` for messages of the events topic, else the ingest source (http, replay…). */
  source: 'source',
  topic: 'source-topic',
  partition: 'source-partition',
  offset: 'source-offset',
  attempts: 'attempts',
} as const;

/** A dead letter of an event that parsed but that no handler call could apply. */
export const APPLY_FAILED = 'apply_failed';
export type KafkaDeadReason = RejectReason | typeof APPLY_FAILED;

export const ERROR_CHARS = 1000;

/** The partition key of an event: one shopper's (or one item's) events share a partition. */
export function messageKey(e: MeridianEvent): string {
  if (e.type === 'item_upsert' || e.type === 'item_delete') return `${e.tenant}/i:${e.item_id}`;
  return `${e.tenant}/${shopperKey(e) ?? `e:${e.id}`}`;
}

export function encodeEvent(e: MeridianEvent): Message {
  return { key: messageKey(e), value: JSON.stringify(e), headers: { [TYPE_HEADER]: e.type } };
}

export type Decoded = { ok: true; event: MeridianEvent } | { ok: false; reason: RejectReason; errors: FieldError[] };

/** Parses and validates a message value; never throws. */
export function decodeEvent(value: Buffer | null): Decoded {
  if (value === null) {
    return { ok: false, reason: 'unparseable', errors: [{ field: 'event', rule: 'json', message: 'the message has no value' }] };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(value.toString('utf8'));
  } catch (e) {
    return { ok: false, reason: 'unparseable', errors: [{ field: 'event', rule: 'json', message: `not valid JSON: ${(e as Error).message}` }] };
  }
  const v = validateEvent(raw);
  return v.ok ? v : { ok: false, reason: v.reason, errors: v.errors };
}

/** The `type` header of a message, when its producer set one. */
export function typeHeader(headers: IHeaders | undefined): string | undefined {
  const h = headers?.[TYPE_HEADER];
  if (h === undefined) return undefined;
  const one = Array.isArray(h) ? h[0] : h;
  return one === undefined ? undefined : one.toString();
}

export interface DeadLetterSource {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | string | null;
  value: Buffer | string | null;
}

/** The dead-letter message for a source message: same key and value, the reason in headers. */
export function deadLetterMessage(src: DeadLetterSource, reason: KafkaDeadReason, error: string, attempts = 0): Message {
  return {
    key: src.key,
    value: src.value,
    headers: {
      [DLQ_HEADERS.reason]: reason,
      [DLQ_HEADERS.error]: error.length > ERROR_CHARS ? error.slice(0, ERROR_CHARS) : error,
      [DLQ_HEADERS.source]: 'kafka',
      [DLQ_HEADERS.topic]: src.topic,
      [DLQ_HEADERS.partition]: String(src.partition),
      [DLQ_HEADERS.offset]: src.offset,
      [DLQ_HEADERS.attempts]: String(attempts),
    },
  };
}

/** The headers of a dead-letter message as strings (for tools and tests). */
export function deadLetterHeaders(message: Pick<KafkaMessage, 'headers'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? {})) {
    const one = Array.isArray(v) ? v[0] : v;
    if (one !== undefined) out[k] = one.toString();
  }
  return out;
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return (e as Error & { code?: unknown }).code === undefined ? e.message : `${String((e as { code?: unknown }).code)}: ${e.message}`;
  return String(e);
}

export interface DecodedBatch {
  records: BusRecord[];
  /** The source message of each record, for dead letters. */
  messages: KafkaMessage[];
  /** Dead letters of the messages that did not parse, and their reasons. */
  letters: Message[];
  reasons: KafkaDeadReason[];
}

/** Decodes a fetched batch; messages of types not in `types` (when given) are left out. */
export function decodeBatch(batch: Pick<Batch, 'topic' | 'partition' | 'messages'>, types: ReadonlySet<string> | undefined): DecodedBatch {
  const { topic, partition } = batch;
  const out: DecodedBatch = { records: [], messages: [], letters: [], reasons: [] };
  for (const m of batch.messages) {
    if (types !== undefined) {
      const t = typeHeader(m.headers);
      if (t !== undefined && !types.has(t)) continue; // skipped unparsed
    }
    const d = decodeEvent(m.value);
    if (!d.ok) {
      const why = d.errors.map((e) => e.message).join('; ');
      out.letters.push(deadLetterMessage({ topic, partition, offset: m.offset, key: m.key, value: m.value }, d.reason, why));
      out.reasons.push(d.reason);
    } else if (types === undefined || types.has(d.event.type)) {
      // kafkajs stamps each message with its produce time: when the broker took the event.
      out.records.push({ offset: Number(m.offset), partition, event: d.event, acceptedAt: Number(m.timestamp) });
      out.messages.push(m);
    }
  }
  return out;
}
