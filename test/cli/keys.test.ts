import { afterEach, describe, expect, it } from 'vitest';
import { createKeyring, openKeyStore } from '../../src/access/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { runCli } from '../../src/cli/run.ts';
import { tempDir } from '../support/helpers.ts';

const dirs: { cleanup: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => d.cleanup()));
});

async function setup() {
  const d = await tempDir('meridian-cli-keys-');
  dirs.push(d);
  const env = { MERIDIAN_FEATURE_STORE: `memory:${d.dir}` };
  const cli = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, { logger: silentLogger, env, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  };
  return { cli, featureStore: env.MERIDIAN_FEATURE_STORE };
}

describe('meridian keys', () => {
  it('creates a key in the store serve reads, lists it without the secret, and revokes it', async () => {
    const { cli, featureStore } = await setup();
    const made = await cli('keys', 'create', '--tenant', 'shop-a', '--scopes', 'search,events', '--expires', '30d', '--name', 'web');
    expect(made.code).toBe(0);
    const { key, id, scopes, expiresAt } = JSON.parse(made.stdout) as { key: string; id: string; scopes: string[]; expiresAt: string };
    expect(scopes).toEqual(['search', 'events']);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect(made.stderr).toMatch(/cannot be shown again/);

    const store = await openKeyStore(featureStore, { logger: silentLogger });
    const serving = createKeyring({ store });
    try {
      expect(await serving.authenticate(key)).toMatchObject({ tenant: 'shop-a' });
      const listed = await cli('keys', 'list');
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout)).toMatchObject([{ id, tenant: 'shop-a', name: 'web' }]);
      expect(listed.stdout).not.toContain(key.slice(20));
      expect((await cli('keys', 'revoke', id)).code).toBe(0);
      expect(JSON.parse((await cli('keys', 'list')).stdout)).toEqual([]);
      const again = await cli('keys', 'revoke', id);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/no key with id/);
    } finally {
      await store.close();
    }
  });

  it('names the flag of a bad command line', async () => {
    const { cli } = await setup();
    const cases: [string[], RegExp][] = [
      [['keys', 'create', '--scopes', 'search'], /--tenant: required by create/],
      [['keys', 'create', '--tenant', 'a'], /--scopes: required by create/],
      [['keys', 'create', '--tenant', 'a', '--scopes', 'search,root'], /--scopes: expected search, events, catalog or admin, got "search,root"/],
      [['keys', 'create', '--tenant', 'a', '--scopes', 'search', '--expires', 'soon'], /--expires: expected a duration/],
      [['keys', 'revoke'], /revoke: needs an ID/],
    ];
    for (const [argv, message] of cases) {
      const { code, stderr } = await cli(...argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(stderr).toMatch(message);
    }
    expect((await cli('keys', 'create', '--tenant', 'Bad Tenant', '--scopes', 'search')).code).toBe(1);
  });
});
