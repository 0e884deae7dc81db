import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createInstrumentation, createLogger, silentLogger, type InstrumentationEvents } from '../../src/core/index.ts';
import { openMemoryFeatureStore, type FeatureStore } from '../../src/feature-store/index.ts';
import { catalogItem } from '../contracts/feature-store.contract.ts';
import { tempDir, waitFor } from '../support/helpers.ts';

const INTERVAL = 1_000;

type Snapshot = InstrumentationEvents['featurestore.snapshot'];

/** A store on `snapshotPath` with a periodic snapshot, recording every snapshot event and error log line. */
async function periodic(snapshotPath: string): Promise<{ store: FeatureStore; snapshots: Snapshot[]; errors: string[] }> {
  const instrumentation = createInstrumentation();
  const snapshots: Snapshot[] = [];
  instrumentation.on('featurestore.snapshot', (p) => snapshots.push(p));
  const errors: string[] = [];
  const logger = createLogger({ level: 'error', write: (l) => errors.push(l) });
  const store = await openMemoryFeatureStore({ snapshotPath, snapshotIntervalMs: INTERVAL, logger, instrumentation });
  return { store, snapshots, errors };
}

const put = (store: FeatureStore, eventId: string, item = eventId): Promise<boolean[]> =>
  store.apply([{ eventId, updates: [{ op: 'item.put', item: catalogItem(item) }] }]);

/** What a fresh process would restore from the file now. */
async function restored(snapshotPath: string): Promise<{ items: number; applied: boolean[] }> {
  const store = await openMemoryFeatureStore({ snapshotPath, snapshotIntervalMs: 0, logger: silentLogger });
  try {
    return { items: await store.itemCount(), applied: await Promise.all(['e1', 'e2', 'e3'].map((id) => store.hasApplied(id))) };
  } finally {
    await store.close();
  }
}

describe('memory feature store, periodic snapshots', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    // Only the snapshot timer is driven by the test; file writes and waitFor run on real time.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await cleanup();
  });

  it('writes a changed state at every interval and leaves an unchanged one alone', async () => {
    const path = join(dir, 'default.snapshot.json');
    const { store, snapshots } = await periodic(path);
    vi.advanceTimersByTime(INTERVAL * 3);
    await store.flush(); // waits for any write the ticks started
    expect(snapshots.filter((s) => s.trigger === 'interval')).toHaveLength(0); // nothing applied yet

    await put(store, 'e1');
    vi.advanceTimersByTime(INTERVAL);
    await waitFor(() => snapshots.some((s) => s.trigger === 'interval'), { what: 'a periodic snapshot' });
    expect(await restored(path)).toEqual({ items: 1, applied: [true, false, false] });

    // A duplicate changes nothing, so the next ticks write nothing.
    expect(await put(store, 'e1')).toEqual([false]);
    vi.advanceTimersByTime(INTERVAL * 3);
    await store.flush();
    expect(snapshots.filter((s) => s.trigger === 'interval')).toHaveLength(1);
    expect(snapshots.every((s) => s.ok && s.bytes > 0)).toBe(true);
    await store.close();
    expect(await readdir(dir)).toEqual(['default.snapshot.json']);
  });

  it('never starts a periodic write while another write is in progress', async () => {
    const path = join(dir, 'default.snapshot.json');
    const { store, snapshots } = await periodic(path);
    await put(store, 'e1');
    vi.advanceTimersByTime(INTERVAL); // starts a write, which is still in progress on the next ticks
    await put(store, 'e2', 'b');
    vi.advanceTimersByTime(INTERVAL);
    vi.advanceTimersByTime(INTERVAL);
    await store.flush(); // queued behind the periodic write
    expect(snapshots.map((s) => s.trigger)).toEqual(['interval', 'flush']);
    expect(await restored(path)).toEqual({ items: 2, applied: [true, true, false] });
    await store.close();
  });

  it('logs and counts a failed periodic snapshot, keeps serving, and succeeds at a later tick', async () => {
    const blocked = join(dir, 'blocked');
    await writeFile(blocked, 'a file where the snapshot directory should be');
    const path = join(blocked, 'default.snapshot.json');
    const { store, snapshots, errors } = await periodic(path);
    await put(store, 'e1');
    vi.advanceTimersByTime(INTERVAL);
    await waitFor(() => snapshots.length === 1, { what: 'the failed snapshot' });
    expect(snapshots[0]).toMatchObject({ ok: false, trigger: 'interval' });
    await waitFor(() => errors.length === 1, { what: 'the error log line' });
    expect(JSON.parse(errors[0] as string)).toMatchObject({ level: 'error', msg: expect.stringContaining('snapshot failed') as unknown, path });

    // The store keeps working; the state that failed to be written is still due.
    expect(await put(store, 'e2', 'b')).toEqual([true]);
    await rm(blocked);
    await mkdir(blocked);
    vi.advanceTimersByTime(INTERVAL);
    await waitFor(() => snapshots.length === 2, { what: 'the retried snapshot' });
    expect(snapshots[1]).toMatchObject({ ok: true, trigger: 'interval' });
    expect(await restored(path)).toEqual({ items: 2, applied: [true, true, false] });
    await store.close();
  });

  it('stops its timer at close, and a flush still reports its own failure', async () => {
    const blocked = join(dir, 'blocked');
    await writeFile(blocked, 'x');
    const { store, snapshots } = await periodic(join(blocked, 's.json'));
    await put(store, 'e1');
    await expect(store.flush()).rejects.toThrow(/EEXIST|ENOTDIR/);
    expect(snapshots).toMatchObject([{ ok: false, trigger: 'flush' }]);
    await store.close();
    vi.advanceTimersByTime(INTERVAL * 5);
    expect(vi.getTimerCount()).toBe(0);
    expect(snapshots).toHaveLength(1);
  });

  it('rejects an interval that is not a whole number of ms from 0 to 2^31 - 1', async () => {
    for (const snapshotIntervalMs of [-1, 1.5, 2 ** 31]) {
      await expect(openMemoryFeatureStore({ snapshotPath: join(dir, 's.json'), snapshotIntervalMs, logger: silentLogger })).rejects.toMatchObject({
        code: 'option_invalid',
        message: expect.stringContaining('snapshotIntervalMs') as unknown,
      });
    }
  });
});
