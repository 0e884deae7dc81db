import type { Instrumentation, Logger } from '../../core/index.ts';
import type { MemoryState } from './state.ts';
import { writeSnapshot } from './snapshot.ts';

export interface SnapshotterOptions {
  path: string;
  /** Periodic snapshots every this many ms; 0: only `write()`. */
  intervalMs: number;
  /** A number that grows whenever the state changes: the timer skips a state already written. */
  version: () => number;
  logger: Logger;
  instrumentation?: Instrumentation | undefined;
}

export interface Snapshotter {
  /** Writes the state as of this write's turn (after any write in progress); rejects if it failed. */
  write(): Promise<void>;
  /** Stops the timer and waits for the writes in progress. */
  stop(): Promise<void>;
}

/**
 * Writes snapshots of one store's state, one at a time. Besides `write()` (the store's `flush()`),
 * a timer writes one every `intervalMs` when the state changed since the last written one. A tick
 * that finds a write in progress or queued is skipped, so writes never overlap or pile up; a
 * failed periodic write is logged and counted (`featurestore.snapshot` with `ok: false`) and the
 * next tick tries again, since the state it had still counts as unwritten.
 */
export function createSnapshotter(s: MemoryState, { path, intervalMs, version, logger, instrumentation }: SnapshotterOptions): Snapshotter {
  let chain: Promise<void> = Promise.resolve();
  /** Writes queued or in progress. */
  let pending = 0;
  /** The version of the state in the file (what was restored counts as written). */
  let written = version();

  const write = (trigger: 'interval' | 'flush'): Promise<void> => {
    pending++;
    const next = chain.then(async () => {
      // Read in the same synchronous step that serializes the state: the version names what the file holds.
      const v = version();
      const t0 = performance.now();
      try {
        const { bytes, serializeMs } = await writeSnapshot(path, s);
        written = Math.max(written, v);
        const ms = performance.now() - t0;
        instrumentation?.emit('featurestore.snapshot', { ok: true, ms, serializeMs, bytes, trigger });
        logger.debug('feature store snapshot written', { path, bytes, trigger, ms: Math.round(ms), serializeMs: Math.round(serializeMs) });
      } catch (e) {
        instrumentation?.emit('featurestore.snapshot', { ok: false, ms: performance.now() - t0, serializeMs: 0, bytes: 0, trigger });
        throw e;
      } finally {
        pending--;
      }
    });
    chain = next.catch(() => undefined);
    return next;
  };

  const tick = (): void => {
    if (pending > 0 || version() === written) return;
    write('interval').catch((e: unknown) => {
      logger.error('periodic feature store snapshot failed; the next interval tries again', { path, err: e });
    });
  };
  const timer = intervalMs > 0 ? setInterval(tick, intervalMs) : undefined;
  // The timer alone never keeps a process alive: a stop writes the last snapshot through `write()`.
  timer?.unref();

  return {
    write: () => write('flush'),
    async stop() {
      clearInterval(timer);
      await chain;
    },
  };
}
