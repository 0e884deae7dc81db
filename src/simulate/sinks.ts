import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { badRequest, unavailable, type Logger } from '../core/index.ts';
import { LIMITS, type MeridianEvent } from '../ingest/index.ts';

/** Read through a call, so a check after an await is not narrowed away. */
const aborted = (signal: AbortSignal | undefined): boolean => signal?.aborted === true;

export type EventSource = Iterable<MeridianEvent> | AsyncIterable<MeridianEvent>;

/** Pacing clock: monotonic `now` (ms) and an abortable `sleep`. Tests inject a fake one. */
export interface PaceClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: PaceClock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (aborted(signal)) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** Batches of up to `size` events; a synchronous source (a generator) is read without a microtask per event. */
export async function* batchesOf(source: EventSource, size: number, signal?: AbortSignal): AsyncGenerator<MeridianEvent[]> {
  if (Symbol.asyncIterator in source) {
    let batch: MeridianEvent[] = [];
    for await (const e of source) {
      batch.push(e);
      if (batch.length < size) continue;
      yield batch;
      batch = [];
      if (aborted(signal)) return;
    }
    if (batch.length > 0) yield batch;
    return;
  }
  const it = source[Symbol.iterator]();
  try {
    for (;;) {
      const batch: MeridianEvent[] = [];
      let r = it.next();
      while (r.done !== true) {
        batch.push(r.value);
        if (batch.length >= size) break;
        r = it.next();
      }
      if (batch.length > 0) yield batch;
      if (r.done === true || aborted(signal)) return;
    }
  } finally {
    it.return?.();
  }
}

/** Writes events as NDJSON, gzip-compressed when the path ends in .gz. Resolves once the file is closed. */
export async function writeNdjson(
  events: EventSource,
  path: string,
  { signal }: { signal?: AbortSignal } = {},
): Promise<{ events: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  async function* chunks(): AsyncGenerator<string> {
    for await (const batch of batchesOf(events, 1000, signal)) {
      let text = '';
      for (const e of batch) text += JSON.stringify(e) + '\n';
      count += batch.length;
      bytes += Buffer.byteLength(text);
      yield text;
    }
  }
  const source = Readable.from(chunks());
  if (path.endsWith('.gz')) await pipeline(source, createGzip(), createWriteStream(path));
  else await pipeline(source, createWriteStream(path));
  return { events: count, bytes };
}

export interface PaceOptions {
  events: EventSource;
  /** Target events per second; 0 = as fast as possible. */
  rate?: number;
  batchSize?: number;
  /** Stops between batches; the counts so far are returned. */
  signal?: AbortSignal;
  clock?: PaceClock;
}

function checkPace(rate: number, batchSize: number): void {
  if (!(rate >= 0) || !Number.isFinite(rate)) throw badRequest('simulate_option_invalid', `rate: expected events/s >= 0, got ${rate}`, 'rate');
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > LIMITS.batchEvents) {
    throw badRequest('simulate_option_invalid', `batchSize: expected an integer in [1, ${LIMITS.batchEvents}], got ${batchSize}`, 'batchSize');
  }
}

/** Hands batches to `send` at the target rate: batch k waits until (events before it) / rate has elapsed. */
async function paced(
  { events, rate = 0, batchSize = 100, signal, clock = realClock }: PaceOptions,
  send: (batch: MeridianEvent[]) => Promise<void>,
): Promise<void> {
  checkPace(rate, batchSize);
  const t0 = clock.now();
  let before = 0;
  for await (const batch of batchesOf(events, batchSize, signal)) {
    if (aborted(signal)) return;
    if (rate > 0) {
      const wait = t0 + (before / rate) * 1000 - clock.now();
      if (wait > 0) await clock.sleep(wait, signal);
      if (aborted(signal)) return;
    }
    await send(batch);
    before += batch.length;
  }
}

export interface PostCounts {
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  batches: number;
}

export interface PostOptions extends PaceOptions {
  /** Base URL of a running server, e.g. http://127.0.0.1:8080. */
  url: string;
  fetch?: typeof globalThis.fetch;
  /** An API key with the events scope (and catalog for item upserts), sent as a bearer token. */
  apiKey?: string | undefined;
  /** Attempts after a 429/5xx or a network error, with doubling backoff. */
  retries?: number;
  logger?: Logger;
}

const isAbort = (e: unknown): boolean => e instanceof Error && e.name === 'AbortError';

/** POSTs batches to `{url}/v1/events` and counts what the server accepted, found duplicate or rejected. */
export async function postEvents(opts: PostOptions): Promise<PostCounts> {
  const { url, fetch = globalThis.fetch, retries = 3, signal, clock = realClock, logger, apiKey } = opts;
  const headers: Record<string, string> = apiKey === undefined ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` };
  let endpoint: string;
  try {
    endpoint = new URL(`${new URL(url).pathname.replace(/\/$/, '')}/v1/events`, url).toString();
  } catch {
    throw badRequest('simulate_option_invalid', `url: not a URL: "${url}"`, 'url');
  }
  const counts: PostCounts = { sent: 0, accepted: 0, duplicates: 0, rejected: 0, batches: 0 };
  const post = async (batch: MeridianEvent[]): Promise<void> => {
    const body = JSON.stringify(batch);
    for (let attempt = 0; ; attempt++) {
      let status = 0;
      let failure: unknown;
      try {
        const res = await fetch(endpoint, { method: 'POST', headers, body, signal });
        status = res.status;
        if (res.ok) {
          const r = (await res.json()) as { accepted?: number; duplicates?: number; rejected?: number };
          counts.accepted += r.accepted ?? batch.length;
          counts.duplicates += r.duplicates ?? 0;
          counts.rejected += r.rejected ?? 0;
          break;
        }
        if (status < 500 && status !== 429) {
          // The batch as a whole was refused (too large, malformed): nothing in it was taken.
          logger?.warn('batch refused', { status, body: (await res.text()).slice(0, 500) });
          counts.rejected += batch.length;
          break;
        }
        await res.body?.cancel();
      } catch (e) {
        if (isAbort(e) && aborted(signal)) return;
        failure = e;
      }
      if (attempt >= retries) throw unavailable('simulate_post_failed', `POST ${endpoint} failed after ${attempt + 1} attempts (last status ${status || 'none'})`, failure);
      await clock.sleep(200 * 2 ** attempt, signal);
      if (aborted(signal)) return;
    }
    counts.sent += batch.length;
    counts.batches++;
  };
  await paced(opts, post);
  return counts;
}

export interface PublishOptions extends PaceOptions {
  publish: (events: readonly MeridianEvent[]) => Promise<void>;
}

/** Hands batches to an in-process bus (e.g. EventBus.publish) at the target rate. */
export async function publishEvents(opts: PublishOptions): Promise<{ sent: number; batches: number }> {
  const counts = { sent: 0, batches: 0 };
  await paced(opts, async (batch) => {
    await opts.publish(batch);
    counts.sent += batch.length;
    counts.batches++;
  });
  return counts;
}
