import { MeridianError, type Logger } from '../core/index.ts';
import type { MeridianEvent } from '../ingest/index.ts';
import { checkBusOpen, type BusHandler, type BusRecord, type EventBus } from './port.ts';

const MAX_BATCH = 500;

interface Group {
  readonly name: string;
  readonly handler: BusHandler;
  /** The next offset to deliver: every record before it was handled. */
  committed: number;
  /** Deliveries run one after another on this chain, never interleaved. */
  chain: Promise<void>;
}

/** The log and its groups; the parts below take it. */
interface MemoryLog {
  readonly logger: Logger;
  readonly retention: number;
  /** records[head..] is the live log; records[i] has offset base + (i - head). */
  records: BusRecord[];
  head: number;
  base: number;
  closed: boolean;
  readonly groups: Map<string, Group>;
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
  const log: MemoryLog = { logger, retention, records: [], head: 0, base: 0, closed: false, groups: new Map() };
  return {
    kind: 'memory',
    publish: (events) => publish(log, events),
    subscribe: (name, handler) => subscribe(log, name, handler),
    ping: () => Promise.resolve(!log.closed),
    close: () => close(log),
  };
}

/** The offset the next record gets. */
const end = (log: MemoryLog): number => log.base + log.records.length - log.head;

async function publish(log: MemoryLog, events: readonly MeridianEvent[]): Promise<void> {
  checkBusOpen(log);
  if (events.length === 0) return;
  const acceptedAt = Date.now();
  for (const event of events) log.records.push({ offset: end(log), partition: 0, event, acceptedAt });
  const runs = [...log.groups.values()].map((g) => schedule(log, g));
  try {
    const results = await Promise.allSettled(runs);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  } finally {
    trim(log);
  }
}

async function subscribe(log: MemoryLog, name: string, handler: BusHandler): Promise<void> {
  checkBusOpen(log);
  if (log.groups.has(name)) throw new MeridianError('bus_group_exists', `consumer group "${name}" is already subscribed to this bus`);
  const group: Group = { name, handler, committed: log.base, chain: Promise.resolve() };
  log.groups.set(name, group);
  // A late subscriber catches up on the log before subscribe resolves. If its handler fails,
  // subscribe rejects but the group stays subscribed and resumes on the next publish.
  await schedule(log, group);
}

async function close(log: MemoryLog): Promise<void> {
  log.closed = true;
  await Promise.all([...log.groups.values()].map((g) => g.chain));
  log.groups.clear();
}

async function deliver(log: MemoryLog, group: Group): Promise<void> {
  while (!log.closed && group.committed < end(log)) {
    const from = log.head + Math.max(0, group.committed - log.base);
    const batch = log.records.slice(from, from + MAX_BATCH);
    await group.handler(batch);
    group.committed = (batch[batch.length - 1] as BusRecord).offset + 1;
  }
}

/** Queues a delivery on the group's chain; the returned promise settles when that delivery did. */
function schedule(log: MemoryLog, group: Group): Promise<void> {
  const run = group.chain.then(() => deliver(log, group));
  group.chain = run.catch(() => undefined);
  return run.catch((e: unknown) => {
    log.logger.warn('memory bus: handler failed; its events will be redelivered', { group: group.name, err: e });
    const why = e instanceof Error ? e.message : String(e);
    throw new MeridianError('bus_handler_failed', `consumer group "${group.name}" failed to handle events: ${why}`, {
      retriable: true,
      statusCode: 503,
      cause: e,
    });
  });
}

/** Drops records every group has handled, once the log is longer than `retention`. */
function trim(log: MemoryLog): void {
  const length = end(log) - log.base;
  if (length <= log.retention) return;
  let upTo = end(log) - log.retention;
  for (const g of log.groups.values()) upTo = Math.min(upTo, g.committed);
  if (upTo <= log.base) return;
  for (let i = log.head; i < log.head + (upTo - log.base); i++) (log.records as (BusRecord | undefined)[])[i] = undefined;
  log.head += upTo - log.base;
  log.base = upTo;
  // Compact once the dropped prefix dominates, so trimming stays amortized O(1) per record.
  if (log.head > 4096 && log.head * 2 > log.records.length) {
    log.records = log.records.slice(log.head);
    log.head = 0;
  }
}
