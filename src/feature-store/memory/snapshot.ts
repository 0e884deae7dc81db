import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { MeridianError, writeFileAtomic } from '../../core/index.ts';
import { boardOf, frozenItem, type MemoryState } from './state.ts';
import { BoundedCounts, type CatalogItem, type CoocRelation, type RecentItem } from '../../features/index.ts';

/**
 * The snapshot file: NDJSON, a header line, one line per record, an end line. Lines keep the file
 * streamable (no single giant string), and the end line tells a complete file from a cut one.
 * Vectors are little-endian float32 in base64, so they come back bit for bit.
 */
export const SNAPSHOT_FORMAT = 'meridian.feature-store.memory';
export const SNAPSHOT_VERSION = 1;

/** Records per line for long lists (trending scores, applied ids). */
const CHUNK = 5_000;
/** Lines are gathered into strings of about this size before writing. */
const WRITE_CHUNK_CHARS = 1 << 20;

export function encodeVector(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

export function decodeVector(s: string): Float32Array {
  const bytes = Buffer.from(s, 'base64');
  const out = new Float32Array(bytes.length >> 2);
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.length << 2));
  return out;
}

type Line =
  | ['u', string, { recent: RecentItem[]; purchased: string[]; counts: Record<string, number>; vector: string | null; lastTs: number }]
  | ['i', CatalogItem]
  | ['s', string, number, number, number]
  | ['t', string, [string, number][]]
  | ['c', CoocRelation, string, [string, number][]]
  | ['q', string, [string, number][]]
  | ['a', string[]]
  | ['end', number];

function* chunked<T>(it: Iterable<T>): Generator<T[]> {
  let buf: T[] = [];
  for (const x of it) {
    buf.push(x);
    if (buf.length >= CHUNK) {
      yield buf;
      buf = [];
    }
  }
  if (buf.length > 0) yield buf;
}

function* lines(s: MemoryState): Generator<Line> {
  for (const [key, u] of s.users) {
    const vector = u.vector === undefined ? null : encodeVector(u.vector);
    yield ['u', key, { recent: u.recent, purchased: u.purchased, counts: u.counts as Record<string, number>, vector, lastTs: u.lastTs }];
  }
  for (const item of s.items.values()) yield ['i', item];
  for (const [id, st] of s.stats) yield ['s', id, st.ratingCount, st.ratingSum, st.sentimentSum];
  for (const [market, board] of s.trending) for (const part of chunked(board.entries())) yield ['t', market, part];
  for (const rel of ['view', 'buy'] as const) for (const [a, m] of s.cooc[rel]) yield ['c', rel, a, m.entries()];
  for (const [token, m] of s.queryClicks) yield ['q', token, m.entries()];
  for (const part of chunked(s.applied.ordered())) yield ['a', part];
}

/**
 * Writes the whole state to `path`, atomically and durably (`writeFileAtomic`). The state is
 * serialized synchronously before the first await, so the file is one consistent point in time:
 * no event is applied while it is taken. `serializeMs` is that part, the time the event loop was
 * held; the file write after it does not hold it.
 */
export async function writeSnapshot(path: string, s: MemoryState): Promise<{ bytes: number; serializeMs: number }> {
  const t0 = performance.now();
  const chunks = serialize(s);
  const serializeMs = performance.now() - t0;
  const bytes = await writeFileAtomic(path, chunks);
  return { bytes, serializeMs };
}

/** The snapshot's text, gathered into strings of about WRITE_CHUNK_CHARS. */
function serialize(s: MemoryState): string[] {
  const chunks: string[] = [JSON.stringify({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION }) + '\n'];
  let buf = '';
  let count = 0;
  for (const line of lines(s)) {
    buf += JSON.stringify(line) + '\n';
    count++;
    if (buf.length >= WRITE_CHUNK_CHARS) {
      chunks.push(buf);
      buf = '';
    }
  }
  chunks.push(buf + JSON.stringify(['end', count]) + '\n');
  return chunks;
}

const corrupt = (path: string, why: string): MeridianError =>
  new MeridianError('feature_store_snapshot_corrupt', `snapshot ${path}: ${why}`, { statusCode: 500 });

function restoreLine(s: MemoryState, line: Line): void {
  switch (line[0]) {
    case 'u': {
      const u = line[2];
      s.users.set(line[1], {
        recent: u.recent.map((r) => Object.freeze(r)),
        purchased: u.purchased,
        counts: u.counts,
        vector: u.vector === null ? undefined : s.vectors.copy(decodeVector(u.vector)),
        lastTs: u.lastTs,
      });
      return;
    }
    case 'i':
      s.items.set(line[1].id, frozenItem(line[1]));
      return;
    case 's':
      s.stats.set(line[1], { ratingCount: line[2], ratingSum: line[3], sentimentSum: line[4] });
      return;
    case 't': {
      const board = boardOf(s, line[1]);
      for (const [item, score] of line[2]) board.set(item, score);
      return;
    }
    case 'c':
      s.cooc[line[1]].set(line[2], BoundedCounts.from(line[3]));
      return;
    case 'q':
      s.queryClicks.set(line[1], BoundedCounts.from(line[2]));
      return;
    case 'a':
      for (const id of line[1]) s.applied.add(id);
      return;
    case 'end':
      return;
  }
}

/** Loads a snapshot into an empty state. Throws on another format, a newer version or a cut file. */
export async function readSnapshot(path: string, s: MemoryState): Promise<{ records: number }> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let header = true;
  let records = 0;
  let ended = false;
  for await (const text of rl) {
    if (text === '') continue;
    if (ended) throw corrupt(path, 'data after the end line');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw corrupt(path, `unparseable line after ${records} records`);
    }
    if (header) {
      const h = parsed as { format?: unknown; version?: unknown };
      if (h.format !== SNAPSHOT_FORMAT) throw corrupt(path, `not a ${SNAPSHOT_FORMAT} file`);
      if (typeof h.version !== 'number' || h.version > SNAPSHOT_VERSION) {
        throw corrupt(path, `version ${String(h.version)} is newer than ${SNAPSHOT_VERSION}`);
      }
      header = false;
      continue;
    }
    const line = parsed as Line;
    if (line[0] === 'end') {
      if (line[1] !== records) throw corrupt(path, `expected ${line[1]} records, read ${records}`);
      ended = true;
      continue;
    }
    restoreLine(s, line);
    records++;
  }
  if (!ended) throw corrupt(path, 'no end line (the file is cut short)');
  return { records };
}
