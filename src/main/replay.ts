import { createReadStream, createWriteStream, type ReadStream, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import { loadConfig } from '../config/index.ts';
import { MeridianError, type Logger } from '../core/index.ts';
import { readEventLog, type FieldError, type LogFormat, type MeridianEvent } from '../ingest/index.ts';
import { truncateRaw } from '../dead-letters/index.ts';
import { type EventRange, type EventStore } from '../event-store/index.ts';
import { realClock, type PaceClock } from '../simulate/index.ts';
import { createRuntime, type Runtime } from './runtime.ts';
import { createReplayProgress, type ReplayProgressState } from './replay-progress.ts';

/** What `meridian replay` runs: its flags, parsed and checked (src/cli/replay.ts). */
export interface ReplayFlags {
  files: string[];
  fromStore: boolean;
  range: EventRange;
  /** 0: as fast as the pipeline takes them; N: N times event time. */
  speed: number;
  batch: number;
  /** Where rejected records go (NDJSON: file, line, reason, errors, raw). */
  rejected: string;
  config: string | undefined;
}

export interface ReplaySummary {
  read: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  seconds: number;
  eventsPerSecond: number;
  /** Stopped by a signal before the end. */
  interrupted: boolean;
}

export interface ReplayDeps {
  logger: Logger;
  /** Environment for the config; default process.env. */
  env?: Record<string, string | undefined>;
  /** The engine to replay into, left open; by default one is built from the config and closed at the end. */
  runtime?: Runtime;
  /** The store `--from-store` reads; default the runtime's. */
  eventStore?: EventStore;
  /** Progress display; default stderr (a bar on a TTY, a line every few seconds otherwise). */
  progress?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Where the summary goes; default stdout. */
  out?: (line: string) => void;
  /** Pacing clock for --speed; tests pass a fake one. */
  clock?: PaceClock;
  /** Stops after the batch in flight; without one, SIGINT/SIGTERM stop the replay. */
  signal?: AbortSignal;
}

/** One record of the input: an event, or a rejection with where it came from. */
type Item =
  | { ok: true; event: MeridianEvent; file: string; line: number }
  | { ok: false; file: string; line: number; reason: string; errors: FieldError[]; raw: string };

interface Source {
  items: AsyncIterable<Item>;
  /** Progress so far in the unit of `total`: bytes read of the files, or events of the range. */
  done(read: number): number;
  total: number;
}

function formatOf(path: string): LogFormat | undefined {
  const name = path.toLowerCase().replace(/\.gz$/, '');
  if (/\.(ndjson|jsonl|json)$/.test(name)) return 'ndjson';
  return name.endsWith('.csv') ? 'csv' : undefined;
}

/** Log files one after another; progress by bytes read (of the file as stored, gzip or not). */
async function fileSource(files: readonly string[]): Promise<Source> {
  const sizes: number[] = [];
  for (const path of files) {
    try {
      sizes.push((await stat(path)).size);
    } catch (e) {
      throw new MeridianError('log_unreadable', `cannot read ${path}: ${(e as Error).message}`, { statusCode: 400, cause: e });
    }
  }
  let finished = 0;
  let current: ReadStream | undefined;
  async function* items(): AsyncGenerator<Item> {
    for (const [i, path] of files.entries()) {
      current = createReadStream(path);
      const format = formatOf(path);
      for await (const { line, raw, result } of readEventLog(current, format === undefined ? {} : { format })) {
        if (result.ok) yield { ok: true, event: result.event, file: path, line };
        else yield { ok: false, file: path, line, reason: result.reason, errors: result.errors, raw };
      }
      finished += sizes[i] as number;
      current = undefined;
    }
  }
  return { items: items(), total: sizes.reduce((a, b) => a + b, 0), done: () => finished + (current?.bytesRead ?? 0) };
}

/** A range of the event store in event-time order; progress by events. */
async function storeSource(store: EventStore, range: EventRange): Promise<Source> {
  const total = await store.count(range);
  async function* items(): AsyncGenerator<Item> {
    let n = 0;
    for await (const event of store.scan(range)) yield { ok: true, event, file: `${store.kind} event store`, line: ++n };
  }
  return { items: items(), total, done: (read) => read };
}

/** Rejected records as NDJSON; the file holds this run's rejections only. */
function rejectedWriter(path: string): { write(item: Extract<Item, { ok: false }>): Promise<void>; close(): Promise<void> } {
  const out: WriteStream = createWriteStream(path, { flags: 'w' });
  let failed: Error | undefined;
  out.on('error', (e) => (failed = e));
  return {
    async write(item) {
      if (failed !== undefined) throw new MeridianError('replay_rejected_unwritable', `cannot write ${path}: ${failed.message}`, { cause: failed });
      const { file, line, reason, errors, raw } = item;
      if (!out.write(JSON.stringify({ file, line, reason, errors, raw: truncateRaw(raw) }) + '\n')) await once(out, 'drain');
    },
    async close() {
      out.end();
      if (!out.closed && failed === undefined) await once(out, 'close');
      if (failed !== undefined) throw new MeridianError('replay_rejected_unwritable', `cannot write ${path}: ${failed.message}`, { cause: failed });
    },
  };
}

/** Events due within this much of now go in the current batch rather than waiting for their own. */
const PACE_SLACK_MS = 5;

interface Counts {
  read: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  byReason: Record<string, number>;
}

/**
 * Sends a source through the engine in batches: at full speed, or paced so that event time passes
 * `speed` times faster than the wall clock. Events the engine has already applied come back as
 * duplicates, so replaying a log twice leaves the state of replaying it once.
 */
async function pump(rt: Runtime, source: Source, flags: ReplayFlags, deps: ReplayDeps, signal: AbortSignal): Promise<Counts> {
  const clock = deps.clock ?? realClock;
  const counts: Counts = { read: 0, accepted: 0, duplicates: 0, rejected: 0, byReason: {} };
  const rejectedOut = rejectedWriter(flags.rejected);
  const progress = createReplayProgress({ stream: deps.progress ?? process.stderr, now: () => clock.now() });
  const state = (): ReplayProgressState => ({ read: counts.read, done: source.done(counts.read), total: source.total });
  const reject = async (item: Extract<Item, { ok: false }>): Promise<void> => {
    counts.rejected++;
    counts.byReason[item.reason] = (counts.byReason[item.reason] ?? 0) + 1;
    rt.instrumentation.emit('ingest.rejected', { reason: item.reason, type: 'unknown', source: 'replay' });
    await rejectedOut.write(item);
  };
  let batch: MeridianEvent[] = [];
  let from: Extract<Item, { ok: true }>[] = [];
  const send = async (): Promise<void> => {
    const results = await rt.engine.ingest(batch, 'replay');
    for (const r of results) {
      if (r.status === 'accepted') counts.accepted++;
      else if (r.status === 'duplicate') counts.duplicates++;
      else {
        const { file, line } = from[r.index] as Extract<Item, { ok: true }>;
        await reject({ ok: false, file, line, reason: r.reason ?? 'rejected', errors: r.errors ?? [], raw: JSON.stringify(batch[r.index]) });
      }
    }
    batch = [];
    from = [];
  };
  let anchor: { wall: number; ts: number } | undefined;
  try {
    for await (const item of source.items) {
      counts.read++;
      if (!item.ok) await reject(item);
      else {
        if (flags.speed > 0) {
          anchor ??= { wall: clock.now(), ts: item.event.ts };
          const wait = anchor.wall + (item.event.ts - anchor.ts) / flags.speed - clock.now();
          if (wait > PACE_SLACK_MS) {
            if (batch.length > 0) await send(); // what is due goes now, not after the wait
            await clock.sleep(wait, signal);
          }
        }
        batch.push(item.event);
        from.push(item);
        if (batch.length >= flags.batch) await send();
      }
      progress.update(state());
      if (signal.aborted) break;
    }
    if (batch.length > 0) await send();
  } finally {
    progress.finish(state());
    await rejectedOut.close();
  }
  return counts;
}

/** Replays log files or a store range into the configured pipeline (or `deps.runtime`) and sums it up. */
export async function replay(flags: ReplayFlags, deps: ReplayDeps): Promise<ReplaySummary> {
  const { logger } = deps;
  const clock = deps.clock ?? realClock;
  const given = deps.runtime;
  let open: () => Promise<Runtime>;
  if (given !== undefined) open = async () => given;
  else {
    const config = loadConfig({ env: deps.env ?? process.env, file: flags.config });
    open = () => createRuntime(config, { logger });
  }
  const files = flags.fromStore ? undefined : await fileSource(flags.files); // unreadable files fail before anything opens
  const rt = await open();
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  if (deps.signal === undefined) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const signal = deps.signal ?? stop.signal;
  const t0 = clock.now();
  try {
    // With the runtime's own store as the source, events the feature store lacks are applied and
    // appended again: the store keeps duplicates, the feature store applies each id once.
    const source = files ?? (await storeSource(deps.eventStore ?? rt.eventStore, flags.range));
    logger.info('replay started', { source: flags.fromStore ? 'event store' : flags.files, range: flags.range, speed: flags.speed, bus: rt.bus.kind });
    const counts = await pump(rt, source, flags, deps, signal);
    const seconds = (clock.now() - t0) / 1000;
    const { byReason: rejectedByReason, ...rest } = counts;
    return { ...rest, rejectedByReason, seconds, eventsPerSecond: seconds > 0 ? counts.read / seconds : 0, interrupted: signal.aborted };
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (given === undefined) await rt.close();
  }
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** The one-line summary: read, accepted, duplicates, rejected by reason, speed. */
export function formatReplaySummary(s: ReplaySummary, rejectedPath: string): string {
  const reasons = Object.entries(s.rejectedByReason)
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${r} ${int.format(n)}`);
  const rejected = s.rejected === 0 ? 'rejected 0' : `rejected ${int.format(s.rejected)} (${reasons.join(', ')}; lines in ${rejectedPath})`;
  return (
    `replay${s.interrupted ? ' (interrupted)' : ''}: read ${int.format(s.read)}, accepted ${int.format(s.accepted)}, ` +
    `duplicates ${int.format(s.duplicates)}, ${rejected}; ${s.seconds.toFixed(1)} s, ${int.format(s.eventsPerSecond)} events/s`
  );
}
