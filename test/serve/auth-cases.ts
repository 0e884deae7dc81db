import { expect } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Keyring } from '../../src/access/index.ts';

/** Every route a tenant's key might reach another tenant's data through, with a request naming `tenant`. */
export const TENANT_ROUTES = (tenant: string): { method: 'GET' | 'POST'; url: string; payload?: unknown }[] => [
  { method: 'GET', url: `/v1/recommendations?market=US&user=u1&tenant=${tenant}` },
  { method: 'GET', url: `/v1/items/sku-1/similar?market=US&tenant=${tenant}` },
  { method: 'GET', url: `/v1/items/sku-1/bought-together?market=US&tenant=${tenant}` },
  { method: 'GET', url: `/v1/trending?market=US&tenant=${tenant}` },
  { method: 'GET', url: `/v1/search?market=US&q=shoe&tenant=${tenant}` },
  { method: 'POST', url: '/v1/events', payload: [{ id: 'e1', type: 'view', tenant, market: 'US', user_id: 'u1', item_id: 'sku-1', ts: 1 }] },
  { method: 'POST', url: '/v1/events', payload: [{ id: 'e2', type: 'item_delete', tenant, item_id: 'sku-1', ts: 1 }] },
];

/** Asserts that a key of tenant A gets 403 tenant_mismatch on every route naming tenant B. */
export async function expectTenantIsolation(app: FastifyInstance, keys: Keyring): Promise<void> {
  const { key } = await keys.create({ tenant: 'shop-a', scopes: ['search', 'events', 'catalog'] });
  for (const r of TENANT_ROUTES('shop-b')) {
    const res = await app.inject({ ...r, headers: { authorization: `Bearer ${key}` } } as never);
    expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
    expect(res.json().error.code, `${r.method} ${r.url}`).toBe('tenant_mismatch');
  }
  for (const r of TENANT_ROUTES('shop-a')) {
    const res = await app.inject({ ...r, headers: { authorization: `Bearer ${key}` } } as never);
    expect(res.statusCode, `${r.method} ${r.url}`).toBe(200);
  }
}
