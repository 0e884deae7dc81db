import { MeridianError, type Logger } from '../core/index.ts';
import type { MeridianEvent } from '../ingest/index.ts';
import type { BusHandler, BusRecord, EventBus } from './port.ts';

const MAX_BATCH = 500;

interface Group {
  readonly name: string;
  readonly handler: BusHandler;
  /** The next offset to deliver: every record before it was handled. */
  committed: number;
  /** Deliveries run one after another on this chain, never interleaved. */
  chain: Promise<void>;
}

/**
 * The embedded event bus: an in-process append-only log with offsets (one partition) and consumer
 * groups. `publish` resolves once every group has handled the new events, so an HTTP call that
 * awaits it sees its effects. A failing handler leaves its group's offset where it was; the next
 * publish (or subscribe) redelivers from there. Not for production: the log lives in memory.
 */
export function createMemoryBus({ logger, retention = 1_000_000 }: { logger: Logger; retention?: number }): EventBus {
  if (!Number.isSafeInteger(retention) || retention < 1) {
    throw new MeridianError('config_invalid', `memory bus: retention must be a positive integer, got ${retention}`);
  }
  logger.warn('memory event bus: the log is kept in this process only, not for production');
  // records[head..] is the live log; records[i] has offset base + (i - head).
  let records: BusRecord[] = [];
  let head = 0;
  let base = 0;
  let closed = false;
  const groups = new Map<string, Group>();

  const end = (): number => base + records.length - head;

  async function deliver(group: Group): Promise<void> {
    while (!closed && group.committed < end()) {
      const from = head + Math.max(0, group.committed - base);
      const batch = records.slice(from, from + MAX_BATCH);
      await group.handler(batch);
      group.committed = (batch[batch.length - 1] as BusRecord).offset + 1;
    }
  }

  /** Queues a delivery on the group's chain; the returned promise settles when that delivery did. */
  function schedule(group: Group): Promise<void> {
    const run = group.chain.then(() => deliver(group));
    group.chain = run.catch(() => undefined);
    return run.catch((e: unknown) => {
      logger.warn('memory bus: handler failed; its events will be redelivered', { group: group.name, err: e });
      const why = e instanceof Error ? e.message : String(e);
      throw new MeridianError('bus_handler_failed', `consumer group "${group.name}" failed to handle events: ${why}`, {
        retriable: true,
        statusCode: 503,
        cause: e,
      });
    });
  }

  /** Drops records every group has handled, once the log is longer than `retention`. */
  function trim(): void {
    const length = end() - base;
    if (length <= retention) return;
    let upTo = end() - retention;
    for (const g of groups.values()) upTo = Math.min(upTo, g.committed);
    if (upTo <= base) return;
    for (let i = head; i < head + (upTo - base); i++) (records as (BusRecord | undefined)[])[i] = undefined;
    head += upTo - base;
    base = upTo;
    // Compact once the dropped prefix dominates, so trimming stays amortized O(1) per record.
    if (head > 4096 && head * 2 > records.length) {
      records = records.slice(head);
      head = 0;
    }
  }

  const checkOpen = (): void => {
    if (closed) throw new MeridianError('bus_closed', 'the event bus is closed', { statusCode: 503, retriable: true });
  };

  return {
    kind: 'memory',
    async publish(events: readonly MeridianEvent[]) {
      checkOpen();
      if (events.length === 0) return;
      const acceptedAt = Date.now();
      for (const event of events) records.push({ offset: end(), partition: 0, event, acceptedAt });
      const runs = [...groups.values()].map(schedule);
      try {
        const results = await Promise.allSettled(runs);
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed !== undefined) throw failed.reason;
      } finally {
        trim();
      }
    },
    async subscribe(name: string, handler: BusHandler) {
      checkOpen();
      if (groups.has(name)) throw new MeridianError('bus_group_exists', `consumer group "${name}" is already subscribed to this bus`);
      const group: Group = { name, handler, committed: base, chain: Promise.resolve() };
      groups.set(name, group);
      // A late subscriber catches up on the log before subscribe resolves. If its handler fails,
      // subscribe rejects but the group stays subscribed and resumes on the next publish.
      await schedule(group);
    },
    ping: () => Promise.resolve(!closed),
    async close() {
      closed = true;
      await Promise.all([...groups.values()].map((g) => g.chain));
      groups.clear();
    },
  };
}
