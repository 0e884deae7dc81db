import { MeridianError, unavailable, type Instrumentation, type Logger } from '../core/index.ts';
import type { MeridianEvent } from '../ingest/index.ts';
import type { RejectedEvents } from './port.ts';

export interface InsertBufferOptions {
  /** Inserts one batch; a rejection keeps the batch for the next flush (unless `refusal` names it). */
  write: (batch: readonly MeridianEvent[]) => Promise<void>;
  /**
   * The store's reason when a failed write refused the data itself (a row it cannot parse), not the
   * connection; undefined for anything else. Such a batch is split until the refused events are
   * alone; they go to `rejected`, the rest is stored. Without it every failure is retried.
   */
  refusal?: (e: unknown) => string | undefined;
  /** Where refused events go (default: logged at error level, with their ids). */
  rejected?: RejectedEvents;
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
  readonly refusal: (e: unknown) => string | undefined;
  readonly rejected: RejectedEvents;
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
 * once `maxPending` events wait, `add` refuses with a retriable error (backpressure). A batch the
 * store refuses for its data is bisected instead, so one bad row never holds the others back.
 */
export function createInsertBuffer({
  write,
  refusal = () => undefined,
  rejected,
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
    refusal,
    rejected: rejected ?? logRejected(logger),
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
    const reason = s.refusal(e);
    if (reason !== undefined) return split(s, batch, reason);
    keep(s, batch, e);
  }
}

/** Puts `events` back at the head of the queue, to be retried on the timer, and throws. */
function keep(s: BufferState, events: MeridianEvent[], e: unknown): never {
  s.failing = true;
  s.pending = events.concat(s.pending);
  s.logger.error('event store insert failed; the batch is kept for the next flush', { events: events.length, pending: s.pending.length, err: e });
  arm(s);
  throw unavailable('event_store_flush_failed', `event store insert of ${events.length} events failed: ${(e as Error).message}`, e);
}

/**
 * Bisects a refused batch: each half is inserted on its own, a refused half is halved again, and an
 * event refused alone goes to `rejected` with the store's reason. About 2·log2(n) inserts per bad
 * event. A failure of any other kind on the way keeps what is not yet stored, as `insert` does.
 */
async function split(s: BufferState, batch: MeridianEvent[], reason: string): Promise<void> {
  s.logger.warn('event store refused a batch; splitting it to store the rest', { events: batch.length, reason });
  // Parts in order: `refused` is the store's reason once the part was tried alone, undefined before.
  const queue: { events: MeridianEvent[]; refused: string | undefined }[] = [{ events: batch, refused: reason }];
  try {
    while (queue.length > 0) {
      const part = queue[0] as (typeof queue)[number];
      part.refused ??= await tryWrite(s, part.events);
      if (part.refused === undefined) queue.shift();
      else if (part.events.length === 1) {
        await s.rejected([{ event: part.events[0] as MeridianEvent, reason: part.refused }]);
        queue.shift();
      } else {
        const mid = part.events.length >>> 1;
        queue.splice(0, 1, { events: part.events.slice(0, mid), refused: undefined }, { events: part.events.slice(mid), refused: undefined });
      }
    }
  } catch (e) {
    keep(s, queue.flatMap((q) => q.events), e);
  }
  s.failing = false;
}

/** Writes `events`: undefined once stored, the store's reason when it refused them; throws on any other failure. */
async function tryWrite(s: BufferState, events: readonly MeridianEvent[]): Promise<string | undefined> {
  try {
    await s.write(events);
    return undefined;
  } catch (e) {
    const reason = s.refusal(e);
    if (reason === undefined) throw e;
    return reason;
  }
}

/** The default for refused events when no dead-letter sink is wired: an error line with their ids. */
function logRejected(logger: Logger): RejectedEvents {
  return async (rejected) => {
    for (const { event, reason } of rejected) logger.error('event store refused an event; it is not stored', { tenant: event.tenant, id: event.id, reason });
  };
}
