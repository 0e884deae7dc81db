import { appendFile, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MeridianError, type Instrumentation } from '../core/index.ts';
import type { DeadLetter, DeadLetterSink } from './port.ts';

/** Longest `raw` kept in a dead letter, in bytes of UTF-8. */
export const DEAD_LETTER_RAW_BYTES = 4096;

/** Cuts `raw` to at most DEAD_LETTER_RAW_BYTES of UTF-8, never splitting a character. */
export function truncateRaw(raw: string): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short strings need no measuring.
  if (raw.length * 3 <= DEAD_LETTER_RAW_BYTES) return raw;
  const buf = Buffer.from(raw, 'utf8');
  if (buf.length <= DEAD_LETTER_RAW_BYTES) return raw;
  let end = DEAD_LETTER_RAW_BYTES;
  while (end > 0 && ((buf[end] as number) & 0xc0) === 0x80) end--; // back to a character start
  return buf.subarray(0, end).toString('utf8');
}

function bounded(letter: DeadLetter): DeadLetter {
  const raw = truncateRaw(letter.raw);
  return raw === letter.raw ? letter : { ...letter, raw };
}

/** A fixed-size ring of the newest letters. */
function createRing(capacity: number): { push(l: DeadLetter): void; recent(n: number): DeadLetter[] } {
  const slots: (DeadLetter | undefined)[] = new Array<DeadLetter | undefined>(capacity);
  let written = 0;
  return {
    push(l) {
      slots[written % capacity] = l;
      written++;
    },
    recent(n) {
      const k = Math.max(0, Math.min(Math.floor(n), capacity, written));
      const out: DeadLetter[] = [];
      for (let i = written - k; i < written; i++) out.push(slots[i % capacity] as DeadLetter);
      return out;
    },
  };
}

function checkCapacity(capacity: number): void {
  if (!Number.isSafeInteger(capacity) || capacity < 1) {
    throw new MeridianError('config_invalid', `dead-letter sink: capacity must be a positive integer, got ${capacity}`);
  }
}

/** Dead letters in memory: the newest `capacity` are kept; `count` is every letter ever written. */
export function createMemoryDeadLetterSink({
  capacity = 10_000,
  instrumentation,
}: { capacity?: number; instrumentation?: Instrumentation } = {}): DeadLetterSink {
  checkCapacity(capacity);
  const ring = createRing(capacity);
  let total = 0;
  return {
    write(letters) {
      for (const l of letters) {
        ring.push(bounded(l));
        instrumentation?.emit('deadletter.written', { source: l.source, reason: l.reason });
      }
      total += letters.length;
      return Promise.resolve();
    },
    recent: (n) => ring.recent(n),
    count: () => total,
    close: () => Promise.resolve(),
  };
}

/** Size rotation of a file sink: a new file once the current one would pass `maxBytes`, `keep` files in all. */
export interface FileRotation {
  /** Largest file before the next letters start a new one (a single write larger than it still lands whole). */
  maxBytes?: number;
  /** Files kept, the current one included: `path`, `path.1` (the newest rotated) … `path.<keep-1>`. */
  keep?: number;
}

const DEFAULT_ROTATION = { maxBytes: 64 * 1024 * 1024, keep: 8 };

const missing = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'ENOENT';

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (e) {
    if (missing(e)) return 0;
    throw e;
  }
}

/** Shifts `path` → `path.1` → … → `path.<keep-1>`; the oldest falls off. With keep = 1 the file is removed. */
async function rotate(path: string, keep: number): Promise<void> {
  const name = (i: number): string => (i === 0 ? path : `${path}.${i}`);
  if (keep === 1) {
    await unlink(path).catch((e: unknown) => (missing(e) ? undefined : Promise.reject(e)));
    return;
  }
  for (let i = keep - 2; i >= 0; i--) {
    await rename(name(i), name(i + 1)).catch((e: unknown) => (missing(e) ? undefined : Promise.reject(e)));
  }
}

function checkRotation({ maxBytes, keep }: Required<FileRotation>): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new MeridianError('config_invalid', `file dead-letter sink: maxBytes must be a positive integer, got ${maxBytes}`);
  if (!Number.isSafeInteger(keep) || keep < 1) throw new MeridianError('config_invalid', `file dead-letter sink: keep must be a positive integer, got ${keep}`);
}

/** Appends to `path`, rotating by size first; calls must not overlap (the sink chains them). */
function createRotatingAppender(path: string, { maxBytes, keep }: Required<FileRotation>): (text: string) => Promise<void> {
  let size: number | undefined;
  return async (text) => {
    let current = size;
    if (current === undefined) {
      await mkdir(dirname(path), { recursive: true });
      current = await sizeOf(path);
    }
    const bytes = Buffer.byteLength(text, 'utf8');
    if (current > 0 && current + bytes > maxBytes) {
      await rotate(path, keep);
      current = 0;
    }
    size = current; // known before the append: a failed append is measured again on the next write
    await appendFile(path, text, 'utf8');
    size = current + bytes;
  };
}

/**
 * Dead letters appended to an NDJSON file (one letter a line), plus a small ring of the newest
 * for `recent`. Writes are serialized, so lines never interleave; a write that would take the file
 * past `rotation.maxBytes` (default 64 MiB) first moves it to `path.1` (and so on, `rotation.keep`
 * files in all, default 8), so the sink's disk use is bounded. `count` is letters written by this
 * sink (the files may hold earlier ones).
 */
export function createFileDeadLetterSink({
  path,
  capacity = 1_000,
  rotation = {},
  instrumentation,
}: { path: string; capacity?: number; rotation?: FileRotation; instrumentation?: Instrumentation }): DeadLetterSink {
  if (path === '') throw new MeridianError('config_invalid', 'file dead-letter sink: path must not be empty');
  checkCapacity(capacity);
  const limits = { ...DEFAULT_ROTATION, ...rotation };
  checkRotation(limits);
  const ring = createRing(capacity);
  let total = 0;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  const append = createRotatingAppender(path, limits);
  return {
    write(letters) {
      if (closed) return Promise.reject(new MeridianError('dead_letters_closed', 'the dead-letter sink is closed'));
      if (letters.length === 0) return Promise.resolve();
      const bounds = letters.map(bounded);
      const text = bounds.map((l) => JSON.stringify(l)).join('\n') + '\n';
      const next = chain.then(() => append(text));
      chain = next.catch(() => undefined);
      return next.then(
        () => {
          for (const l of bounds) {
            ring.push(l);
            instrumentation?.emit('deadletter.written', { source: l.source, reason: l.reason });
          }
          total += bounds.length;
        },
        (e: unknown) => {
          throw new MeridianError('dead_letters_write_failed', `cannot append dead letters to ${path}: ${(e as Error).message}`, {
            statusCode: 503,
            retriable: true,
            cause: e,
          });
        },
      );
    },
    recent: (n) => ring.recent(n),
    count: () => total,
    async close() {
      closed = true;
      await chain;
    },
  };
}
