import { afterAll, beforeAll, describe } from 'vitest';
import { tempDir } from '../support/helpers.ts';
import { hostilePipeline } from '../support/hostile-pipeline.ts';

// chDB allows one data directory per process: both tests open the same one.
let dir = '';
let cleanup: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('meridian-hostile-'));
});
afterAll(async () => {
  await cleanup();
});

describe('hostile input, embedded engine on chDB', () => {
  hostilePipeline(() => `chdb:${dir}`);
});
