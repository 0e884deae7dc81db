import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createKeyring, openMemoryKeyStore } from '../../src/access/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { createRuntime, type Runtime } from '../../src/main/index.ts';
import { buildServer } from '../../src/serve/index.ts';
import { waitFor } from '../support/helpers.ts';

const item = (id: string, title: string) => ({
  id: `up-${id}`,
  type: 'item_upsert',
  ts: Date.now(),
  item_id: id,
  titles: { en: title },
  category: 'tea',
  prices: { US: { amount: 10, currency: 'USD' } },
  available_in: ['US'],
});

let open: { app: FastifyInstance; rt: Runtime } | undefined;
afterEach(async () => {
  await open?.app.close();
  await open?.rt.close();
  open = undefined;
});

describe('keys on the whole engine (embedded adapters)', () => {
  it("a tenant's key writes and reads its own tenant's catalog only", async () => {
    const config = loadConfig({ env: {}, overrides: { featureStore: 'memory:', eventStore: 'memory:', deadLetters: 'memory:', demo: { enabled: false }, sequenceThread: false } });
    const rt = await createRuntime(config, { logger: silentLogger, followModels: false });
    const keys = createKeyring({ store: await openMemoryKeyStore({ logger: silentLogger }) });
    const app = await buildServer({ engine: rt.engine, registry: rt.registry, instrumentation: rt.instrumentation, logger: silentLogger, auth: { mode: 'keys', keys } });
    open = { app, rt };
    const a = { authorization: `Bearer ${(await keys.create({ tenant: 'shop-a', scopes: ['search', 'events', 'catalog'] })).key}` };
    const b = { authorization: `Bearer ${(await keys.create({ tenant: 'shop-b', scopes: ['search', 'events', 'catalog'] })).key}` };

    // Events without a tenant land in the key's tenant.
    expect((await app.inject({ method: 'POST', url: '/v1/events', headers: a, payload: [item('sku-a', 'green tea from A')] })).json()).toMatchObject({ accepted: 1 });
    expect((await app.inject({ method: 'POST', url: '/v1/events', headers: b, payload: [item('sku-b', 'green tea from B')] })).json()).toMatchObject({ accepted: 1 });
    // B cannot delete A's item, by naming A or otherwise.
    const del = await app.inject({ method: 'POST', url: '/v1/events', headers: b, payload: [{ id: 'del-1', type: 'item_delete', tenant: 'shop-a', ts: Date.now(), item_id: 'sku-a' }] });
    expect(del.statusCode).toBe(403);

    const search = async (headers: Record<string, string>) =>
      ((await app.inject({ url: '/v1/search?q=green%20tea&market=US', headers })).json() as { items: { id: string }[] }).items.map((i) => i.id);
    await waitFor(async () => (await search(a)).includes('sku-a') && (await search(b)).includes('sku-b'), { what: 'both catalogs indexed' });
    expect(await search(a)).toEqual(['sku-a']);
    expect(await search(b)).toEqual(['sku-b']);
    expect((await app.inject({ url: '/v1/search?q=tea&market=US&tenant=shop-a', headers: b })).json().error.code).toBe('tenant_mismatch');
  });
});
