import { existsSync } from 'node:fs';
import { badRequest, createVectorArena, MeridianError, type Instrumentation, type Logger } from '../../core/index.ts';
import { applyUpdates, createMemoryState, type MemoryState } from './state.ts';
import { readSnapshot } from './snapshot.ts';
import { createSnapshotter, type Snapshotter } from './snapshotter.ts';
import type { FeatureStore } from '../port.ts';
import { cloneUserState, topOf, validateBatch, type EventUpdates, type UserState } from '../../features/index.ts';

export interface MemoryFeatureStoreOptions {
  /** Where `flush()` writes the whole state; without it, the state lives only in this process. */
  snapshotPath?: string | undefined;
  /**
   * With `snapshotPath`, the state is also written there every this many ms when it changed since
   * the last snapshot (a crash loses at most one interval); 0: only by `flush()`.
   */
  snapshotIntervalMs?: number;
  logger: Logger;
  /** Receives `featurestore.snapshot` for every snapshot written or failed. */
  instrumentation?: Instrumentation | undefined;
  /** Event ids remembered for idempotency (oldest forgotten first). */
  appliedIdsLimit?: number;
  /** Trending items kept sorted per market; longer reads sort all scores. */
  trendingTopK?: number;
}

/** The longest interval a timer takes (2^31 - 1 ms, about 24.8 days). */
const MAX_INTERVAL_MS = 2_147_483_647;

type CheckedOptions = Required<Omit<MemoryFeatureStoreOptions, 'snapshotPath' | 'instrumentation'>> & Pick<MemoryFeatureStoreOptions, 'instrumentation'>;

function checkOptions(o: MemoryFeatureStoreOptions): CheckedOptions {
  const appliedIdsLimit = o.appliedIdsLimit ?? 2_000_000;
  const trendingTopK = o.trendingTopK ?? 2_000;
  const snapshotIntervalMs = o.snapshotIntervalMs ?? 60_000;
  if (!Number.isInteger(appliedIdsLimit) || appliedIdsLimit < 1) {
    throw badRequest('option_invalid', `appliedIdsLimit must be an integer >= 1, got ${appliedIdsLimit}`, 'appliedIdsLimit');
  }
  if (!Number.isInteger(trendingTopK) || trendingTopK < 1) {
    throw badRequest('option_invalid', `trendingTopK must be an integer >= 1, got ${trendingTopK}`, 'trendingTopK');
  }
  if (!Number.isInteger(snapshotIntervalMs) || snapshotIntervalMs < 0 || snapshotIntervalMs > MAX_INTERVAL_MS) {
    throw badRequest('option_invalid', `snapshotIntervalMs must be an integer from 0 to ${MAX_INTERVAL_MS}, got ${snapshotIntervalMs}`, 'snapshotIntervalMs');
  }
  if (o.snapshotPath === '') throw badRequest('option_invalid', 'snapshotPath must not be empty', 'snapshotPath');
  return { logger: o.logger, instrumentation: o.instrumentation, appliedIdsLimit, trendingTopK, snapshotIntervalMs };
}

const closedError = (): MeridianError =>
  new MeridianError('feature_store_closed', 'the feature store is closed', { statusCode: 503 });

type Reads = Omit<FeatureStore, 'kind' | 'apply' | 'ping' | 'flush' | 'close'>;

function build(s: MemoryState, snapshotPath: string | undefined, o: CheckedOptions): FeatureStore {
  const { logger } = o;
  let closed = false;
  /** Grows with every batch that changed the state; the timer writes only a changed state. */
  let version = 0;
  const snapshots: Snapshotter | undefined =
    snapshotPath === undefined
      ? undefined
      : createSnapshotter(s, { path: snapshotPath, intervalMs: o.snapshotIntervalMs, version: () => version, logger, instrumentation: o.instrumentation });
  const loses = snapshotPath === undefined ? 'its state is lost on exit' : 'a crash loses the state since the last snapshot';
  logger.warn(`in-memory feature store: not for production (${loses})`, {
    snapshotPath: snapshotPath ?? null,
    snapshotIntervalMs: snapshotPath === undefined ? null : o.snapshotIntervalMs,
  });

  return {
    kind: 'memory',
    async apply(batch) {
      if (closed) throw closedError();
      const out = applyBatch(s, batch);
      if (out.includes(true)) version++;
      return out;
    },
    ...reads(s),
    async ping() {
      return !closed;
    },
    async flush() {
      if (closed) throw closedError();
      // One write at a time; each writes the state as of its own start.
      await snapshots?.write();
    },
    async close() {
      if (closed) return;
      closed = true;
      await snapshots?.stop();
    },
  };
}

/** Applies a batch, each event at most once; per entry, whether it was applied. */
function applyBatch(s: MemoryState, batch: readonly EventUpdates[]): boolean[] {
  const invalid = validateBatch(batch);
  if (invalid !== undefined) throw invalid;
  const out = new Array<boolean>(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const entry = batch[i] as EventUpdates;
    // Validated above and applied synchronously (nothing left to fail), so an event's updates
    // land together or not at all: marking it first spares a second lookup.
    const fresh = s.applied.add(entry.eventId);
    if (fresh) applyUpdates(s, entry.updates);
    out[i] = fresh;
  }
  return out;
}

/** The read half of the store: what a shopper or item looks like now, and the ranked lists. */
function reads(s: MemoryState): Reads {
  // Copies handed to readers are short-lived: an arena makes them cheap.
  const readVectors = createVectorArena();
  return {
    async hasApplied(eventId) {
      return s.applied.has(eventId);
    },
    async hasAppliedEach(eventIds) {
      return eventIds.map((id) => s.applied.has(id));
    },
    async getUser(user) {
      const u = s.users.get(user);
      return u === undefined ? undefined : cloneUserState(u, readVectors.copy);
    },
    async getUsers(users) {
      const out = new Array<UserState | undefined>(users.length);
      for (let i = 0; i < users.length; i++) {
        const u = s.users.get(users[i] as string);
        out[i] = u === undefined ? undefined : cloneUserState(u, readVectors.copy);
      }
      return out;
    },
    async getItem(id) {
      return s.items.get(id);
    },
    async getItems(ids) {
      return ids.map((id) => s.items.get(id));
    },
    async *allItems() {
      // A copy of the list, so items written while a reader iterates do not disturb it.
      yield* Array.from(s.items.values());
    },
    async itemCount() {
      return s.items.size;
    },
    async getItemStats(id) {
      const st = s.stats.get(id);
      return st === undefined ? undefined : { ...st };
    },
    async topTrending(market, n) {
      return s.trending.get(market)?.top(n) ?? [];
    },
    async topCooc(rel, item, n) {
      return topOf(s.cooc[rel].get(item), n);
    },
    async topQueryClicks(token, n) {
      return topOf(s.queryClicks.get(token), n);
    },
  };
}

/**
 * The embedded feature store of one tenant, empty. Refuses to start over an existing snapshot
 * (a flush would overwrite it): use `openMemoryFeatureStore` to restore one.
 */
export function createMemoryFeatureStore(opts: MemoryFeatureStoreOptions): FeatureStore {
  const o = checkOptions(opts);
  if (opts.snapshotPath !== undefined && existsSync(opts.snapshotPath)) {
    throw new MeridianError(
      'feature_store_snapshot_exists',
      `snapshot ${opts.snapshotPath} exists; open it with openMemoryFeatureStore to restore it`,
    );
  }
  return build(createMemoryState(o.appliedIdsLimit, o.trendingTopK), opts.snapshotPath, o);
}

/** The embedded feature store of one tenant, restored from `snapshotPath` when that file exists. */
export async function openMemoryFeatureStore(opts: MemoryFeatureStoreOptions): Promise<FeatureStore> {
  const o = checkOptions(opts);
  const s = createMemoryState(o.appliedIdsLimit, o.trendingTopK);
  if (opts.snapshotPath !== undefined && existsSync(opts.snapshotPath)) {
    const t0 = performance.now();
    const { records } = await readSnapshot(opts.snapshotPath, s);
    o.logger.info('feature store snapshot restored', {
      path: opts.snapshotPath,
      records,
      ms: Math.round(performance.now() - t0),
    });
  }
  return build(s, opts.snapshotPath, o);
}
