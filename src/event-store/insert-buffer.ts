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
  let pending: MeridianEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let closed = false;
  let failing = false; // the last insert failed: retry on the timer, not on every add

  const arm = (): void => {
    if (timer !== undefined || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      flush().catch(() => undefined); // logged below; the batch stays pending
    }, flushIntervalMs);
    timer.unref(); // a pending flush never keeps the process alive; close() flushes
  };

  async function insert(batch: MeridianEvent[]): Promise<void> {
    const started = performance.now();
    try {
      await write(batch);
      failing = false;
      instrumentation.emit('eventstore.flushed', { events: batch.length, ms: performance.now() - started, ok: true });
    } catch (e) {
      instrumentation.emit('eventstore.flushed', { events: batch.length, ms: performance.now() - started, ok: false });
      failing = true;
      pending = batch.concat(pending);
      logger.error('event store insert failed; the batch is kept for the next flush', { events: batch.length, pending: pending.length, err: e });
      arm();
      throw unavailable('event_store_flush_failed', `event store insert of ${batch.length} events failed: ${(e as Error).message}`, e);
    }
  }

  /** Concurrent callers share one run; a call during a run waits for it, then flushes the rest. */
  function flush(): Promise<void> {
    if (flushing !== undefined) return flushing.then(() => (pending.length > 0 ? flush() : undefined));
    clearTimeout(timer);
    timer = undefined;
    flushing = (async () => {
      while (pending.length > 0) {
        const batch = pending.length <= batchSize ? pending : pending.slice(0, batchSize);
        pending = pending.length <= batchSize ? [] : pending.slice(batchSize);
        await insert(batch);
      }
    })().finally(() => {
      flushing = undefined;
    });
    return flushing;
  }

  return {
    async add(events) {
      if (closed) throw new MeridianError('event_store_closed', 'the event store is closed', { statusCode: 503, retriable: true });
      if (pending.length + events.length > maxPending) {
        throw unavailable('event_store_backlog', `event store: ${pending.length} events wait for a failing insert; refusing more until it succeeds`);
      }
      for (const e of events) pending.push(e);
      if (pending.length >= batchSize && !failing) await flush().catch(() => undefined); // kept and logged
      else if (pending.length > 0) arm();
    },
    flush,
    async close() {
      try {
        await flush();
      } finally {
        closed = true;
        clearTimeout(timer);
        timer = undefined;
        if (pending.length > 0) logger.error('event store closed with events it could not insert', { events: pending.length });
      }
    },
    get pending() {
      return pending.length;
    },
  };
}
