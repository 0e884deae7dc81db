import { MeridianError, unavailable, type Instrumentation, type Logger } from '../core/index.ts';
import type { MeridianEvent } from '../ingest/index.ts';

export interface InsertBufferOptions {
  /** Inserts one batch; a rejection keeps the batch for the next flush. */
  write: (batch: readonly MeridianEvent[]) => Promise<void>;
  logger: Logger;
  instrumentation: Instrumentation;
  /** Events per insert; reaching it triggers a flush. */
  batchSize?: number;
  /** Longest time an added event waits before it is inserted. */
  flushIntervalMs?: number;
  /** Most events held while inserts fail; past it `add` refuses (retriable) instead of dropping. */
  maxPending?: number;
}

export interface InsertBuffer {
  add(events: readonly MeridianEvent[]): Promise<void>;
  /** Inserts everything pending; rejects (retriable) if an insert failed, the events kept. */
  flush(): Promise<void>;
  /** Flushes and stops the timer; rejects if events could not be inserted. */
  close(): Promise<void>;
  readonly pending: number;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) throw new MeridianError('config_invalid', `event store: ${name} must be a positive integer, got ${v}`);
  return v;
}

interface BufferState {
  readonly write: InsertBufferOptions['write'];
  readonly logger: Logger;
  readonly instrumentation: Instrumentation;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly maxPending: number;
  pending: MeridianEvent[];
  timer: NodeJS.Timeout | undefined;
  /** The flush run in progress. */
  flushing: Promise<void> | undefined;
  closed: boolean;
  /** The last insert failed: retry on the timer, not on every add. */
  failing: boolean;
}

/**
 * Buffers appended events and writes them in batches, by size or after `flushIntervalMs`. A
 * failed write is logged and its batch kept, oldest first, for the next try; nothing is dropped:
 * once `maxPending` events wait, `add` refuses with a retriable error (backpressure).
 */
export function createInsertBuffer({
  write,
  logger,
  instrumentation,
  batchSize = 5000,
  flushIntervalMs = 1000,
  maxPending = 20 * batchSize,
}: InsertBufferOptions): InsertBuffer {
  positiveInt('batchSize', batchSize);
  positiveInt('flushIntervalMs', flushIntervalMs);
  positiveInt('maxPending', maxPending);
  const s: BufferState = {
    write,
    logger,
    instrumentation,
    batchSize,
    flushIntervalMs,
    maxPending,
    pending: [],
    timer: undefined,
    flushing: undefined,
    closed: false,
    failing: false,
  };
  return {
    add: (events) => add(s, events),
    flush: () => flush(s),
    close: () => close(s),
    get pending() {
      return s.pending.length;
    },
  };
}

async function add(s: BufferState, events: readonly MeridianEvent[]): Promise<void> {
  if (s.closed) throw new MeridianError('event_store_closed', 'the event store is closed', { statusCode: 503, retriable: true });
  if (s.pending.length + events.length > s.maxPending) {
    throw unavailable('event_store_backlog', `event store: ${s.pending.length} events wait for a failing insert; refusing more until it succeeds`);
  }
  for (const e of events) s.pending.push(e);
  if (s.pending.length >= s.batchSize && !s.failing) await flush(s).catch(() => undefined); // kept and logged
  else if (s.pending.length > 0) arm(s);
}

async function close(s: BufferState): Promise<void> {
  try {
    await flush(s);
  } finally {
    s.closed = true;
    clearTimeout(s.timer);
    s.timer = undefined;
    if (s.pending.length > 0) s.logger.error('event store closed with events it could not insert', { events: s.pending.length });
  }
}

/** Flushes after flushIntervalMs, unless a flush is already due. */
function arm(s: BufferState): void {
  if (s.timer !== undefined || s.closed) return;
  s.timer = setTimeout(() => {
    s.timer = undefined;
    flush(s).catch(() => undefined); // logged in insert; the batch stays pending
  }, s.flushIntervalMs);
  s.timer.unref(); // a pending flush never keeps the process alive; close() flushes
}

/** Concurrent callers share one run; a call during a run waits for it, then flushes the rest. */
function flush(s: BufferState): Promise<void> {
  if (s.flushing !== undefined) return s.flushing.then(() => (s.pending.length > 0 ? flush(s) : undefined));
  clearTimeout(s.timer);
  s.timer = undefined;
  s.flushing = drain(s).finally(() => {
    s.flushing = undefined;
  });
  return s.flushing;
}

/** Inserts pending events batch by batch until none are left or an insert fails. */
async function drain(s: BufferState): Promise<void> {
  while (s.pending.length > 0) {
    const batch = s.pending.length <= s.batchSize ? s.pending : s.pending.slice(0, s.batchSize);
    s.pending = s.pending.length <= s.batchSize ? [] : s.pending.slice(s.batchSize);
    await insert(s, batch);
  }
}

async function insert(s: BufferState, batch: MeridianEvent[]): Promise<void> {
  const started = performance.now();
  try {
    await s.write(batch);
    s.failing = false;
    s.instrumentation.emit('eventstore.flushed', { events: batch.length, ms: performance.now() - started, ok: true });
  } catch (e) {
    s.instrumentation.emit('eventstore.flushed', { events: batch.length, ms: performance.now() - started, ok: false });
    s.failing = true;
    s.pending = batch.concat(s.pending);
    s.logger.error('event store insert failed; the batch is kept for the next flush', { events: batch.length, pending: s.pending.length, err: e });
    arm(s);
    throw unavailable('event_store_flush_failed', `event store insert of ${batch.length} events failed: ${(e as Error).message}`, e);
  }
}
