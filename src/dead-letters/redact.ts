import { createHash } from 'node:crypto';
import type { DeadLetter, DeadLetterSink } from './port.ts';

/** What happens to personal fields before a dead letter is written: kept, replaced by a digest, or removed. */
export type Redaction = 'off' | 'hash' | 'drop';

/** The fields of an event that identify or quote a shopper: the ids, a search query, a review text. */
export const PERSONAL_FIELDS: readonly string[] = ['user_id', 'session_id', 'query', 'text'];

/** `sha256:` and the first 128 bits of the digest: the same value always reads the same, without being readable. */
export function digestOf(value: string): string {
  return `sha256:${createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 32)}`;
}

function parsedObject(raw: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A letter with its personal fields redacted. `raw` that is a JSON object loses (drop) or has
 * digested (hash) each of PERSONAL_FIELDS; any other `raw` (a line cut short, CSV, garbage) cannot
 * be redacted field by field, so it is dropped whole or replaced by its digest. The redacted values
 * are also taken out of the error messages (a store's message may quote the row).
 */
export function redactLetter(letter: DeadLetter, mode: Exclude<Redaction, 'off'>): DeadLetter {
  const obj = parsedObject(letter.raw);
  const replaced: [string, string][] = [];
  let raw: string;
  if (obj === undefined) {
    raw = mode === 'drop' ? '' : digestOf(letter.raw);
    if (letter.raw !== '') replaced.push([letter.raw, raw]);
  } else {
    for (const field of PERSONAL_FIELDS) {
      const v = obj[field];
      if (v === undefined) continue;
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      if (mode === 'drop') delete obj[field];
      else obj[field] = digestOf(text);
      if (text !== '') replaced.push([text, mode === 'drop' ? `<${field}>` : (obj[field] as string)]);
    }
    raw = JSON.stringify(obj);
  }
  const scrub = (message: string): string => replaced.reduce((m, [value, by]) => m.split(value).join(by), message);
  return { ...letter, raw, errors: letter.errors.map((e) => ({ ...e, message: scrub(e.message) })) };
}

/** `sink` with every letter redacted before it is written (mode `off`: `sink` itself). */
export function redactingSink(sink: DeadLetterSink, mode: Redaction): DeadLetterSink {
  if (mode === 'off') return sink;
  return {
    write: (letters) => sink.write(letters.map((l) => redactLetter(l, mode))),
    recent: (n) => sink.recent(n),
    count: () => sink.count(),
    close: () => sink.close(),
  };
}
