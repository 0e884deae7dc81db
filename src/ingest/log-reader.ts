import { createReadStream } from 'node:fs';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { MeridianError } from '../core/index.ts';
import { LIMITS } from './limits.ts';
import { parseEventLine, validateEvent, type Validation } from './validate.ts';
import { csvObject, inQuotes, parseCsvHeader, parseCsvRecord } from './csv.ts';

export type LogFormat = 'ndjson' | 'csv';

/** One record of a log: where it starts (1-based line), its text and the validation result. */
export interface LogLine {
  line: number;
  raw: string;
  result: Validation;
}

export interface ReadEventLogOptions {
  /** By default from the file extension (.ndjson, .jsonl, .json, .csv, each optionally .gz), else sniffed. */
  format?: LogFormat;
  /** Longest line (CSV: record) read; a longer one is reported, not buffered. */
  maxLineBytes?: number;
}

interface PhysicalLine {
  line: number;
  text: string;
  tooLong: boolean;
}

function formatOf(path: string): LogFormat | undefined {
  const name = path.toLowerCase().replace(/\.gz$/, '');
  if (/\.(ndjson|jsonl|json)$/.test(name)) return 'ndjson';
  if (name.endsWith('.csv')) return 'csv';
  return undefined;
}

/** The bytes of a source, gunzipped when they start with the gzip magic bytes. */
async function* bytesOf(source: string | NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  const input = typeof source === 'string' ? createReadStream(source) : source;
  const it = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  try {
    let head = Buffer.alloc(0);
    while (head.length < 2) {
      const r = await it.next();
      if (r.done === true) break;
      head = Buffer.concat([head, typeof r.value === 'string' ? Buffer.from(r.value) : r.value]);
    }
    async function* rest(): AsyncGenerator<Buffer> {
      if (head.length > 0) yield head;
      for (let r = await it.next(); r.done !== true; r = await it.next()) yield typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    }
    if (head[0] === 0x1f && head[1] === 0x8b) {
      yield* pipeline(Readable.from(rest()), createGunzip(), () => undefined) as AsyncIterable<Buffer>;
    } else {
      yield* rest();
    }
  } finally {
    await it.return?.();
  }
}

/** Physical lines (LF or CRLF), numbered from 1; a line past `max` bytes is cut there and flagged. */
async function* linesOf(chunks: AsyncIterable<Buffer>, max: number): AsyncGenerator<PhysicalLine> {
  let carry: Buffer[] = [];
  let carried = 0;
  let tooLong = false;
  let line = 0;
  const keep = (piece: Buffer): void => {
    const room = max - carried;
    if (piece.length > room) tooLong = true;
    const kept = piece.length > room ? piece.subarray(0, room) : piece;
    if (kept.length === 0) return;
    carry.push(Buffer.from(kept)); // a copy: the stream may reuse its chunk
    carried += kept.length;
  };
  const emit = (whole?: Buffer): PhysicalLine => {
    let buf = whole ?? (carry.length === 1 ? (carry[0] as Buffer) : Buffer.concat(carry));
    if (!tooLong && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1);
    const out = { line: ++line, text: buf.toString('utf8'), tooLong };
    carry = [];
    carried = 0;
    tooLong = false;
    return out;
  };
  for await (const chunk of chunks) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      if (carried === 0 && !tooLong && nl - start <= max) {
        yield emit(chunk.subarray(start, nl)); // the common case: a whole line inside the chunk
      } else {
        keep(chunk.subarray(start, nl));
        yield emit();
      }
      start = nl + 1;
    }
    if (start < chunk.length) keep(chunk.subarray(start));
  }
  if (carried > 0 || tooLong) yield emit();
}

function rejected(message: string, rule: string): Validation {
  return { ok: false, reason: 'unparseable', id: undefined, errors: [{ field: 'event', rule, message }] };
}

const isBlank = (text: string): boolean => text.trim() === '';

async function* ndjsonRecords(lines: AsyncIterable<PhysicalLine>, max: number): AsyncGenerator<LogLine> {
  for await (const { line, text, tooLong } of lines) {
    if (tooLong) yield { line, raw: text, result: rejected(`the line is longer than ${max} bytes`, 'maxLength') };
    else if (!isBlank(text)) yield { line, raw: text, result: parseEventLine(line === 1 ? text.replace(/^\uFEFF/, '') : text) };
  }
}

/** CSV records: physical lines joined while a quoted field is open, bounded by `max` bytes. */
async function* csvRecords(lines: AsyncIterable<PhysicalLine>, max: number): AsyncGenerator<LogLine> {
  let header: string[] | undefined;
  let start = 0;
  let parts: string[] = [];
  let bytes = 0;
  let open = false; // inside a quoted field
  for await (const { line, text, tooLong } of lines) {
    if (parts.length === 0) {
      if (isBlank(text) && !tooLong) continue;
      start = line;
    }
    parts.push(text);
    bytes += Buffer.byteLength(text) + 1;
    if (inQuotes(text)) open = !open;
    if (open && !tooLong && bytes <= max) continue;
    const raw = parts.join('\n');
    const oversized = tooLong || bytes > max;
    parts = [];
    bytes = 0;
    open = false;
    if (oversized) {
      if (header === undefined) throw new MeridianError('log_invalid', `CSV header (line ${start}) is longer than ${max} bytes`, { statusCode: 400 });
      yield { line: start, raw, result: rejected(`the record is longer than ${max} bytes`, 'maxLength') };
      continue;
    }
    if (header === undefined) {
      try {
        header = parseCsvHeader(raw);
      } catch (e) {
        throw new MeridianError('log_invalid', `line ${start}: ${(e as Error).message}`, { statusCode: 400 });
      }
      continue;
    }
    let result: Validation;
    try {
      result = validateEvent(csvObject(header, parseCsvRecord(raw)));
    } catch (e) {
      result = rejected(`not a valid CSV record: ${(e as Error).message}`, 'csv');
    }
    yield { line: start, raw, result };
  }
  if (parts.length > 0) yield { line: start, raw: parts.join('\n'), result: rejected('not a valid CSV record: a quoted field is not closed', 'csv') };
}

/** The first non-blank line decides: a JSON object is NDJSON, anything else CSV. */
async function sniff(lines: AsyncIterator<PhysicalLine>): Promise<{ format: LogFormat; seen: PhysicalLine[] }> {
  const seen: PhysicalLine[] = [];
  for (let r = await lines.next(); r.done !== true; r = await lines.next()) {
    seen.push(r.value);
    if (!isBlank(r.value.text)) return { format: r.value.text.replace(/^\uFEFF/, '').trimStart().startsWith('{') ? 'ndjson' : 'csv', seen };
  }
  return { format: 'ndjson', seen };
}

async function* prepend<T>(first: readonly T[], rest: AsyncIterator<T>): AsyncGenerator<T> {
  yield* first;
  for (let r = await rest.next(); r.done !== true; r = await rest.next()) yield r.value;
}

/**
 * Reads an event log (a path or a byte stream) record by record, never holding more than one
 * record: NDJSON or CSV, plain or gzip (detected by its magic bytes). Every non-blank record comes
 * out with its line number and validation result, so bad records can be reported and good ones
 * still flow. An unreadable source or a bad CSV header throws.
 */
export async function* readEventLog(
  source: string | NodeJS.ReadableStream,
  { format, maxLineBytes = LIMITS.bodyBytes }: ReadEventLogOptions = {},
): AsyncGenerator<LogLine> {
  if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1) throw new MeridianError('config_invalid', `maxLineBytes must be a positive integer, got ${maxLineBytes}`);
  const lines = linesOf(bytesOf(source), maxLineBytes);
  let chosen = format ?? (typeof source === 'string' ? formatOf(source) : undefined);
  let input: AsyncIterable<PhysicalLine> = lines;
  try {
    if (chosen === undefined) {
      const sniffed = await sniff(lines);
      chosen = sniffed.format;
      input = prepend(sniffed.seen, lines);
    }
    yield* chosen === 'csv' ? csvRecords(input, maxLineBytes) : ndjsonRecords(input, maxLineBytes);
  } catch (e) {
    if (e instanceof MeridianError) throw e;
    const where = typeof source === 'string' ? source : 'the input stream';
    throw new MeridianError('log_unreadable', `cannot read ${where}: ${(e as Error).message}`, { statusCode: 400, cause: e });
  } finally {
    await lines.return(undefined);
  }
}
