import { describe, expect, it } from 'vitest';
import { createKeyring, openMemoryKeyStore } from '../../src/access/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { build } from '../support/build.ts';

async function withKeys() {
  const keys = createKeyring({ store: await openMemoryKeyStore({ logger: silentLogger }) });
  const built = await build({ auth: { mode: 'keys', keys } });
  const { key: root } = await keys.create({ tenant: '*', scopes: ['admin'] });
  return { ...built, keys, root: { authorization: `Bearer ${root}` } };
}

describe('admin key API', () => {
  it('creates a key (the secret once), lists it without secrets, revokes it at once', async () => {
    const { app, root, logs } = await withKeys();
    const created = await app.inject({ method: 'POST', url: '/v1/admin/keys', headers: root, payload: { tenant: 'shop-a', scopes: ['search'], name: 'web', expiresIn: '30d' } });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({ tenant: 'shop-a', scopes: ['search'], name: 'web', key: expect.stringMatching(/^mk_/) });
    expect(Date.parse(body.expiresAt) - Date.parse(body.createdAt)).toBe(30 * 86_400_000);
    const key: string = body.key;
    expect((await app.inject({ url: '/v1/trending?market=US', headers: { 'x-api-key': key } })).statusCode).toBe(200);

    const listed = await app.inject({ url: '/v1/admin/keys', headers: root });
    expect(listed.statusCode).toBe(200);
    expect(listed.json().keys.map((k: { id: string }) => k.id)).toContain(body.id);
    expect(listed.body).not.toContain(key.slice(20));
    expect(listed.body).not.toContain('hash');

    expect((await app.inject({ method: 'DELETE', url: `/v1/admin/keys/${body.id}`, headers: root })).statusCode).toBe(204);
    expect((await app.inject({ url: '/v1/trending?market=US', headers: { 'x-api-key': key } })).statusCode).toBe(401);
    const again = await app.inject({ method: 'DELETE', url: `/v1/admin/keys/${body.id}`, headers: root });
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('key_not_found');
    // No secret reaches the log.
    expect(JSON.stringify(logs)).not.toContain(key.slice(20));
  });

  it('needs the admin scope', async () => {
    const { app, keys } = await withKeys();
    const { key } = await keys.create({ tenant: '*', scopes: ['search', 'events', 'catalog'] });
    const res = await app.inject({ url: '/v1/admin/keys', headers: { authorization: `Bearer ${key}` } });
    expect(res.statusCode).toBe(403);
    expect((await app.inject({ url: '/v1/admin/keys' })).statusCode).toBe(401);
  });

  it('a tenant admin manages its own tenant only', async () => {
    const { app, keys } = await withKeys();
    const { key } = await keys.create({ tenant: 'shop-a', scopes: ['admin'] });
    const { info: other } = await keys.create({ tenant: 'shop-b', scopes: ['search'] });
    const h = { authorization: `Bearer ${key}` };
    const own = await app.inject({ method: 'POST', url: '/v1/admin/keys', headers: h, payload: { scopes: ['search'] } });
    expect(own.statusCode).toBe(201);
    expect(own.json().tenant).toBe('shop-a');
    for (const tenant of ['shop-b', '*']) {
      const res = await app.inject({ method: 'POST', url: '/v1/admin/keys', headers: h, payload: { tenant, scopes: ['search'] } });
      expect(res.json().error.code).toBe('tenant_mismatch');
    }
    const listed = await app.inject({ url: '/v1/admin/keys', headers: h });
    expect(listed.json().keys.every((k: { tenant: string }) => k.tenant === 'shop-a')).toBe(true);
    expect((await app.inject({ url: '/v1/admin/keys?tenant=shop-b', headers: h })).statusCode).toBe(403);
    expect((await app.inject({ method: 'DELETE', url: `/v1/admin/keys/${other.id}`, headers: h })).statusCode).toBe(404);
  });

  it('rejects a bad request naming the field', async () => {
    const { app, root } = await withKeys();
    const cases: [unknown, string][] = [
      [{ tenant: 'a', scopes: ['root'] }, 'scopes.0'],
      [{ tenant: 'a', scopes: [] }, 'scopes'],
      [{ tenant: 'A B', scopes: ['search'] }, 'tenant'],
      [{ tenant: 'a', scopes: ['search'], expiresIn: 'forever' }, 'expiresIn'],
      [{ tenant: 'a', scopes: ['search'], expiresAt: '2001-01-01T00:00:00Z' }, 'expiresAt'],
    ];
    for (const [payload, field] of cases) {
      const res = await app.inject({ method: 'POST', url: '/v1/admin/keys', headers: root, payload: payload as object });
      expect(res.statusCode, field).toBe(400);
      expect(res.json().error.field, JSON.stringify(payload)).toBe(field);
    }
  });
});
