import { afterEach, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createKeyring, openKeyStore, openMemoryKeyStore, type KeyStore } from '../../src/access/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { keyStoreContract } from '../contracts/key-store.contract.ts';
import { tempDir, waitFor } from '../support/helpers.ts';

const opened: KeyStore[] = [];
const dirs: { cleanup: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  await Promise.all(dirs.splice(0).map((d) => d.cleanup()));
});

async function fileStore(path?: string): Promise<{ store: KeyStore; path: string }> {
  let p = path;
  if (p === undefined) {
    const d = await tempDir('meridian-keys-');
    dirs.push(d);
    p = join(d.dir, 'keys.json');
  }
  const store = await openMemoryKeyStore({ path: p, logger: silentLogger, watchMs: 20 });
  opened.push(store);
  return { store, path: p };
}

describe('memory key store, in the process only', () => {
  keyStoreContract(async () => {
    const s = await openMemoryKeyStore({ logger: silentLogger });
    opened.push(s);
    return s;
  });
});

describe('memory key store, persisted to a file', () => {
  keyStoreContract(async () => (await fileStore()).store);

  it('keeps keys across a restart, hashed', async () => {
    const { store, path } = await fileStore();
    const { key } = await createKeyring({ store }).create({ tenant: 'shop-a', scopes: ['search'] });
    await store.close();
    const again = createKeyring({ store: (await fileStore(path)).store });
    expect(await again.authenticate(key)).toMatchObject({ tenant: 'shop-a' });
    expect(await readFile(path, 'utf8')).not.toContain(key.slice(20));
  });

  it('sees a key made and then revoked by another process (the CLI) through the file', async () => {
    const { store: server, path } = await fileStore();
    const serving = createKeyring({ store: server });
    const cli = await fileStore(path);
    const { key, info } = await createKeyring({ store: cli.store }).create({ tenant: 'shop-a', scopes: ['search'] });
    await waitFor(async () => (await serving.authenticate(key)) !== undefined, { what: 'the new key' });
    expect(await createKeyring({ store: cli.store }).revoke(info.id)).toBe(true);
    await waitFor(async () => (await serving.authenticate(key)) === undefined, { what: 'the revocation' });
  });

  it('fails to open on a corrupt file, naming it', async () => {
    const d = await tempDir('meridian-keys-');
    dirs.push(d);
    const path = join(d.dir, 'keys.json');
    await writeFile(path, '{not json');
    await expect(openMemoryKeyStore({ path, logger: silentLogger })).rejects.toMatchObject({ code: 'key_store_corrupt' });
  });

  it('lives beside the feature store snapshots: memory:<dir> → <dir>/keys.json', async () => {
    const d = await tempDir('meridian-keys-');
    dirs.push(d);
    const store = await openKeyStore(`memory:${d.dir}`, { logger: silentLogger });
    opened.push(store);
    await createKeyring({ store }).create({ tenant: 'a', scopes: ['search'] });
    expect(JSON.parse(await readFile(join(d.dir, 'keys.json'), 'utf8'))).toMatchObject({ version: 1, keys: [{ tenant: 'a' }] });
  });
});
