import { describe, expect, it } from 'vitest';
import { createKeyring, type KeyStore } from '../../src/access/index.ts';

/**
 * What every key store must do, through the keyring: a new key works at once and only with its
 * secret, nothing listed carries a secret or a hash, an expired key and a revoked one are refused.
 */
export function keyStoreContract(make: () => Promise<KeyStore>): void {
  describe('key store contract', () => {
    it('authenticates a new key, and only with its exact secret', async () => {
      const keys = createKeyring({ store: await make() });
      const { key, info } = await keys.create({ tenant: 'shop-a', scopes: ['search', 'events'], name: 'web' });
      expect(key).toMatch(/^mk_[0-9a-f]{16}_[A-Za-z0-9_-]{32}$/);
      const access = await keys.authenticate(key);
      expect(access).toMatchObject({ keyId: info.id, tenant: 'shop-a' });
      expect([...(access?.scopes ?? [])].sort()).toEqual(['events', 'search']);
      const wrong = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
      expect(await keys.authenticate(wrong)).toBeUndefined();
      expect(await keys.authenticate(`mk_${'0'.repeat(16)}_${'A'.repeat(32)}`)).toBeUndefined();
      expect(await keys.authenticate('not a key')).toBeUndefined();
    });

    it('lists keys by id, tenant and scopes, never a secret or a hash', async () => {
      const store = await make();
      const keys = createKeyring({ store });
      const a = await keys.create({ tenant: 'shop-a', scopes: ['search'] });
      const b = await keys.create({ tenant: 'shop-b', scopes: ['admin'], expiresAt: Date.now() + 60_000 });
      const all = await keys.list();
      expect(all.map((k) => k.id).sort()).toEqual([a.info.id, b.info.id].sort());
      expect((await keys.list('shop-b')).map((k) => k.id)).toEqual([b.info.id]);
      const text = JSON.stringify(all);
      expect(text).not.toContain(a.key.slice(20));
      expect(text).not.toContain('hash');
      // The store keeps the hash, not the key.
      expect(JSON.stringify(await store.list())).not.toContain(a.key.slice(20));
    });

    it('refuses an expired key', async () => {
      let t = Date.now();
      const keys = createKeyring({ store: await make(), now: () => t });
      const { key } = await keys.create({ tenant: 'shop-a', scopes: ['search'], expiresAt: t + 1_000 });
      expect(await keys.authenticate(key)).toBeDefined();
      t += 1_000;
      expect(await keys.authenticate(key)).toBeUndefined();
    });

    it('refuses a revoked key at once in the store that revoked it', async () => {
      const keys = createKeyring({ store: await make() });
      const { key, info } = await keys.create({ tenant: 'shop-a', scopes: ['search'] });
      expect(await keys.authenticate(key)).toBeDefined();
      expect(await keys.revoke(info.id)).toBe(true);
      expect(await keys.authenticate(key)).toBeUndefined();
      expect(await keys.revoke(info.id)).toBe(false);
      expect(await keys.list()).toEqual([]);
    });

    it('rejects a bad spec naming the field', async () => {
      const keys = createKeyring({ store: await make() });
      await expect(keys.create({ tenant: 'Shop A', scopes: ['search'] })).rejects.toMatchObject({ code: 'parameter_invalid', field: 'tenant' });
      await expect(keys.create({ tenant: 'a', scopes: [] })).rejects.toMatchObject({ field: 'scopes' });
      await expect(keys.create({ tenant: 'a', scopes: ['root' as never] })).rejects.toMatchObject({ field: 'scopes' });
      await expect(keys.create({ tenant: 'a', scopes: ['search'], expiresAt: 1 })).rejects.toMatchObject({ field: 'expiresAt' });
    });
  });
}
