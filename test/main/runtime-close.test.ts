import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { openMemoryFeatureStore } from '../../src/feature-store/index.ts';
import { createRuntime } from '../../src/main/index.ts';
import { createCatalog } from '../../src/simulate/index.ts';
import { tempDir } from '../support/helpers.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

it('lets go of its state once closed, though the process-wide metrics observers stay', async () => {
  const tmp = await tempDir('meridian-runtime-close-');
  try {
    const config = loadConfig({
      env: {},
      overrides: { featureStore: 'memory:', eventStore: 'memory:', deadLetters: 'memory:', modelDir: tmp.dir, demo: { enabled: false } },
    });
    const open = async (): Promise<WeakRef<object>> => {
      const rt = await createRuntime(config, { logger: silentLogger, followModels: false });
      const store = new WeakRef((await rt.tenants.get('default')).store);
      await rt.close();
      return store;
    };
    const store = await open();
    for (let i = 0; i < 20 && store.deref() !== undefined; i++) {
      await new Promise((r) => setTimeout(r, 20)); // a WeakRef target lives to the end of the job that read it
      gc();
    }
    expect(store.deref()).toBeUndefined();
  } finally {
    await tmp.cleanup();
  }
});

it('writes the snapshots and closes every other adapter even when the bus and the event store fail to close', async () => {
  const tmp = await tempDir('meridian-runtime-close-');
  try {
    const config = loadConfig({
      env: {},
      overrides: { featureStore: `memory:${tmp.dir}/features`, eventStore: 'memory:', deadLetters: 'memory:', modelDir: tmp.dir, demo: { enabled: false } },
    });
    const rt = await createRuntime(config, { logger: silentLogger, followModels: false });
    const catalog = [...createCatalog({ seed: 3, items: 5, ts: Date.UTC(2026, 3, 1) })];
    const results = await rt.engine.ingest(catalog, 'http');
    expect(results.map((r) => r.status)).toEqual(catalog.map(() => 'accepted'));
    const closed: string[] = [];
    const failing = (name: string, close: () => Promise<void>) => async () => {
      await close();
      throw new Error(`${name} broke`);
    };
    rt.bus.close = failing('bus', rt.bus.close.bind(rt.bus));
    rt.eventStore.close = failing('event store', rt.eventStore.close.bind(rt.eventStore));
    const deadLettersClose = rt.deadLetters.close.bind(rt.deadLetters);
    rt.deadLetters.close = async () => {
      closed.push('dead letters');
      await deadLettersClose();
    };
    await expect(rt.close()).rejects.toThrow('bus broke');
    expect(closed).toEqual(['dead letters']);
    const store = await openMemoryFeatureStore({ snapshotPath: `${tmp.dir}/features/default.snapshot.json`, snapshotIntervalMs: 0, logger: silentLogger });
    expect(await store.itemCount()).toBe(5);
    expect(await store.hasApplied(catalog[4]?.id as string)).toBe(true);
    await store.close();
  } finally {
    await tmp.cleanup();
  }
});
