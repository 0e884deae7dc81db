import { DEAD_LETTER_RAW_BYTES } from './sinks.ts';

/** Deepest nesting a dead letter's `raw` spells out; deeper values are written as `"…"`. */
export const DEAD_LETTER_RAW_DEPTH = 32;

interface Out {
  text: string;
  /** Characters still allowed; below zero the text is cut and the walk stops. */
  left: number;
}

function put(o: Out, s: string): boolean {
  o.text += s;
  o.left -= s.length;
  return o.left >= 0;
}

/** Writes `v` as JSON into `o`; false once the budget is spent. Depth is capped, so it never recurses far. */
function write(o: Out, v: unknown, depth: number): boolean {
  if (v === null || typeof v === 'boolean') return put(o, String(v));
  if (typeof v === 'number') return put(o, Number.isFinite(v) ? String(v) : 'null');
  if (typeof v === 'string') return put(o, JSON.stringify(v));
  if (typeof v === 'bigint') return put(o, JSON.stringify(String(v)));
  if (typeof v !== 'object') return put(o, 'null');
  if (depth >= DEAD_LETTER_RAW_DEPTH) return put(o, '"…"');
  if (Array.isArray(v)) {
    if (!put(o, '[')) return false;
    for (let i = 0; i < v.length; i++) {
      if (i > 0 && !put(o, ',')) return false;
      if (!write(o, v[i], depth + 1)) return false;
    }
    return put(o, ']');
  }
  if (!put(o, '{')) return false;
  let first = true;
  for (const key of Object.keys(v)) {
    const inner = (v as Record<string, unknown>)[key];
    if (inner === undefined || typeof inner === 'function' || typeof inner === 'symbol') continue;
    if (!put(o, `${first ? '' : ','}${JSON.stringify(key)}:`)) return false;
    first = false;
    if (!write(o, inner, depth + 1)) return false;
  }
  return put(o, '}');
}

/**
 * A decoded input as the `raw` of a dead letter: JSON, nesting past DEAD_LETTER_RAW_DEPTH written
 * as `"…"`, cut once it passes DEAD_LETTER_RAW_BYTES (the sinks bound it in bytes). Never throws,
 * whatever the value: a letter must be written for the input that broke everything else.
 */
export function deadLetterRaw(v: unknown): string {
  const o: Out = { text: '', left: DEAD_LETTER_RAW_BYTES };
  try {
    write(o, v, 0);
  } catch {
    // A getter or proxy that throws: keep what was written.
  }
  return o.text;
}
