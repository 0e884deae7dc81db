import { describe, expect, it } from 'vitest';
import { createKeyring, openMemoryKeyStore, type Keyring } from '../../src/access/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { build } from '../support/build.ts';
import { expectTenantIsolation } from './auth-cases.ts';

async function withKeys(extra: Parameters<typeof build>[0] = {}) {
  const keys: Keyring = createKeyring({ store: await openMemoryKeyStore({ logger: silentLogger }) });
  const built = await build({ auth: { mode: 'keys', keys }, ...extra });
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  return { ...built, keys, bearer };
}

const VIEW = { id: 'e1', type: 'view', market: 'US', user_id: 'u1', item_id: 'sku-1', ts: 1 };
const UPSERT = { id: 'e2', type: 'item_upsert', item_id: 'sku-9', ts: 1 };

describe('authentication', () => {
  it('refuses a request without a key, with an unknown, a malformed, an expired or a revoked one: the same 401', async () => {
    let t = Date.now();
    const keys = createKeyring({ store: await openMemoryKeyStore({ logger: silentLogger }), now: () => t });
    const { app } = await build({ auth: { mode: 'keys', keys } });
    const expiring = await keys.create({ tenant: 'shop-a', scopes: ['search'], expiresAt: t + 1_000 });
    const revoked = await keys.create({ tenant: 'shop-a', scopes: ['search'] });
    await keys.revoke(revoked.info.id);
    t += 1_000;
    const bodies = new Set<string>();
    for (const headers of [
      {},
      { authorization: 'Bearer mk_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      { authorization: 'Basic dXNlcjpwYXNz' },
      { 'x-api-key': 'nope' },
      { authorization: `Bearer ${expiring.key}` },
      { 'x-api-key': revoked.key },
    ]) {
      const res = await app.inject({ url: '/v1/trending?market=US', headers });
      expect(res.statusCode).toBe(401);
      bodies.add(JSON.stringify(res.json()));
    }
    expect([...bodies]).toEqual([JSON.stringify({ error: { code: 'key_unauthorized', message: 'a valid API key is required: Authorization: Bearer <key> or X-API-Key: <key>' } })]);
  });

  it('accepts a key as a bearer token or in X-API-Key, and keeps ops and the playground public', async () => {
    const { app, keys, engine } = await withKeys();
    const { key } = await keys.create({ tenant: 'shop-a', scopes: ['search'] });
    expect((await app.inject({ url: '/v1/trending?market=US', headers: { authorization: `bearer ${key}` } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/trending?market=US', headers: { 'x-api-key': key } })).statusCode).toBe(200);
    expect(engine.calls.map((c) => ('q' in c ? c.q.tenant : undefined))).toEqual(['shop-a', 'shop-a']);
    for (const url of ['/healthz', '/readyz', '/']) expect((await app.inject({ url })).statusCode, url).toBe(200);
    expect((await app.inject({ url: '/nowhere' })).statusCode).toBe(404);
  });

  it('a search key cannot post events or change the catalog, and names the scope it lacks', async () => {
    const { app, keys, bearer, engine } = await withKeys();
    const { key } = await keys.create({ tenant: 'shop-a', scopes: ['search'] });
    const res = await app.inject({ method: 'POST', url: '/v1/events', headers: bearer(key), payload: [VIEW] });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({ code: 'scope_forbidden', message: expect.stringContaining('"events"') });
    expect(engine.calls).toEqual([]);
  });

  it('an events key may send shopper events, and is refused the whole batch when it holds a catalog event', async () => {
    const { app, keys, bearer, engine } = await withKeys();
    const { key } = await keys.create({ tenant: 'shop-a', scopes: ['events'] });
    const ok = await app.inject({ method: 'POST', url: '/v1/events', headers: bearer(key), payload: [VIEW] });
    expect(ok.statusCode).toBe(200);
    // The event's tenant comes from its key.
    expect(engine.calls[0]).toMatchObject({ method: 'ingest', raw: [{ ...VIEW, tenant: 'shop-a' }] });
    const res = await app.inject({ method: 'POST', url: '/v1/events', headers: bearer(key), payload: [{ ...VIEW, id: 'e3' }, UPSERT] });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({ code: 'scope_forbidden', field: 'events[1].type', message: expect.stringContaining('"catalog"') });
    expect(engine.calls).toHaveLength(1);
    const { key: feed } = await keys.create({ tenant: 'shop-a', scopes: ['events', 'catalog'] });
    expect((await app.inject({ method: 'POST', url: '/v1/events', headers: bearer(feed), payload: [UPSERT] })).statusCode).toBe(200);
  });

  it('a key of tenant A cannot read or write tenant B on any route', async () => {
    const { app, keys } = await withKeys();
    await expectTenantIsolation(app, keys);
  });

  it('an operator key (*) may name any tenant', async () => {
    const { app, keys, bearer, engine } = await withKeys();
    const { key } = await keys.create({ tenant: '*', scopes: ['search', 'events'] });
    expect((await app.inject({ url: '/v1/trending?market=US&tenant=shop-b', headers: bearer(key) })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/trending?market=US', headers: bearer(key) })).statusCode).toBe(200);
    expect(engine.calls.map((c) => ('q' in c ? c.q.tenant : undefined))).toEqual(['shop-b', 'default']);
  });

  it('puts /metrics and /docs behind the admin scope', async () => {
    const { app, keys, bearer } = await withKeys();
    const { key: search } = await keys.create({ tenant: '*', scopes: ['search', 'events', 'catalog'] });
    const { key: admin } = await keys.create({ tenant: '*', scopes: ['admin'] });
    for (const url of ['/metrics', '/docs/json', '/docs']) {
      expect((await app.inject({ url })).statusCode, url).toBe(401);
      const res = await app.inject({ url, headers: bearer(search) });
      expect(res.statusCode, url).toBe(403);
      expect(res.json().error.message).toContain('"admin"');
      expect([200, 302], url).toContain((await app.inject({ url, headers: bearer(admin) })).statusCode);
    }
  });

  it('leaves /metrics and /docs to the ops listener when told to', async () => {
    const { app, keys, bearer } = await withKeys({ opsRoutes: 'ops' });
    const { key: admin } = await keys.create({ tenant: '*', scopes: ['admin'] });
    for (const url of ['/metrics', '/docs/json']) expect((await app.inject({ url, headers: bearer(admin) })).statusCode, url).toBe(404);
  });

  it('serves the playground with the key it is given', async () => {
    const { app } = await withKeys({ playgroundKey: 'mk_0123456789abcdef_secretsecretsecretsecretsecret12' });
    const html = (await app.inject({ url: '/' })).body;
    expect(html).toContain('data-key="mk_0123456789abcdef_secretsecretsecretsecretsecret12"');
  });

  it('with auth off, every request is an operator, as before', async () => {
    const { app, engine } = await build();
    expect((await app.inject({ url: '/v1/trending?market=US&tenant=shop-b' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(200);
    expect(engine.calls[0]).toMatchObject({ q: { tenant: 'shop-b' } });
  });
});

describe('the ops listener', () => {
  it('serves /metrics, health and the OpenAPI document without a key', async () => {
    const { buildOpsServer } = await import('../../src/serve/index.ts');
    const { Registry } = await import('prom-client');
    const { fakeEngine } = await import('../support/build.ts');
    const ops = await buildOpsServer({ engine: fakeEngine(), registry: new Registry(), logger: silentLogger, openapi: () => ({ openapi: '3.0.3' }) });
    try {
      for (const url of ['/metrics', '/healthz', '/readyz']) expect((await ops.inject({ url })).statusCode, url).toBe(200);
      expect((await ops.inject({ url: '/docs/json' })).json()).toEqual({ openapi: '3.0.3' });
      expect((await ops.inject({ url: '/v1/trending?market=US' })).statusCode).toBe(404);
    } finally {
      await ops.close();
    }
  });
});
