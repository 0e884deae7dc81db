import type { Consumer } from 'kafkajs';
import type { Instrumentation, Logger } from '../../core/index.ts';

/**
 * Consumer lag of the partitions assigned to one consumer: the log end offset minus the next offset
 * to handle. The log end comes with every fetch and from a periodic probe, so a consumer whose
 * handler is stuck still reports a growing lag.
 */
export function createLagTracker(topic: string, instrumentation: Instrumentation) {
  const position = new Map<number, number>();
  const logEnd = new Map<number, number>();
  const emit = (partition: number): void => {
    const end = logEnd.get(partition);
    const next = position.get(partition);
    if (end !== undefined && next !== undefined) instrumentation.emit('kafka.lag', { topic, partition, lag: Math.max(0, end - next), assigned: true });
  };
  const forget = (partition: number): void => {
    position.delete(partition);
    logEnd.delete(partition);
    instrumentation.emit('kafka.lag', { topic, partition, lag: 0, assigned: false });
  };
  return {
    /** A batch was fetched from `first` on, with the partition's log end at `end`. */
    fetched(partition: number, first: number, end: number): void {
      if (!position.has(partition)) position.set(partition, first);
      logEnd.set(partition, end);
      emit(partition);
    },
    handled(partition: number, next: number): void {
      position.set(partition, next);
      emit(partition);
    },
    /** Log ends from a probe, for the partitions this consumer follows. */
    probed(ends: readonly { partition: number; high: string }[]): void {
      for (const e of ends) {
        if (!position.has(e.partition)) continue;
        logEnd.set(e.partition, Number(e.high));
        emit(e.partition);
      }
    },
    following: (): boolean => position.size > 0,
    /** A new assignment: partitions that left are dropped; kept ones restart at their next fetch. */
    assign(assigned: ReadonlySet<number>): void {
      for (const p of [...position.keys()]) {
        if (assigned.has(p)) position.delete(p);
        else forget(p);
      }
    },
    clear(): void {
      for (const p of [...position.keys()]) forget(p);
    },
  };
}

/**
 * Commits the newest handled offset of each partition, one commit in flight at a time, so commits
 * run alongside the next handler call instead of after each.
 */
export function createCommitter({ consumer, topic, group, logger, instrumentation }: { consumer: Consumer; topic: string; group: string; logger: Logger; instrumentation: Instrumentation }) {
  const pending = new Map<number, number>();
  let committing: Promise<void> | undefined;

  async function commit(): Promise<void> {
    while (pending.size > 0) {
      const offsets = Array.from(pending, ([partition, next]) => ({ topic, partition, offset: String(next) }));
      pending.clear();
      const t0 = performance.now();
      try {
        await consumer.commitOffsets(offsets);
        instrumentation.emit('service.call', { service: 'kafka', op: 'commit', ms: performance.now() - t0, ok: true });
      } catch (e) {
        instrumentation.emit('service.call', { service: 'kafka', op: 'commit', ms: performance.now() - t0, ok: false });
        // Kept for the next commit unless a newer offset came; the events may come again meanwhile.
        for (const o of offsets) if (!pending.has(o.partition)) pending.set(o.partition, Number(o.offset));
        logger.warn('offset commit failed; handled events may be delivered again (applied once)', { group, err: e });
        return;
      }
    }
  }

  return {
    /** Everything of `partition` before `next` is handled. */
    mark(partition: number, next: number): void {
      pending.set(partition, next);
      committing ??= commit().finally(() => (committing = undefined));
    },
    /** Forgets partitions that are no longer assigned: their new owner commits them. */
    keep(assigned: ReadonlySet<number>): void {
      for (const p of [...pending.keys()]) if (!assigned.has(p)) pending.delete(p);
    },
    /** Waits for the commit in flight, then commits what is left. */
    async flush(): Promise<void> {
      await committing;
      if (pending.size > 0) await commit();
    },
  };
}

export type LagTracker = ReturnType<typeof createLagTracker>;
export type Committer = ReturnType<typeof createCommitter>;
