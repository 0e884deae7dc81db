import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { createRuntime } from '../../src/main/index.ts';
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
