import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { createInstrumentation, silentLogger } from '../../src/core/index.ts';
import { createApp } from '../../src/serve/index.ts';
import { build, fakeEngine } from '../support/build.ts';

describe('health and readiness', () => {
  it('/healthz is 200 ok', async () => {
    const { app } = await build();
    const res = await app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 with the checks when the engine is ready', async () => {
    const { app } = await build();
    const res = await app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', model: 'v-test', checks: { bus: true, store: true } });
  });

  it('/readyz is 503 with the failing checks when it is not', async () => {
    const b = await build();
    b.engine.readiness = { ok: false, checks: { bus: true, store: false } };
    const res = await b.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable', model: 'v-test', checks: { bus: true, store: false } });
  });

  it('/readyz is 503 when the readiness check itself throws', async () => {
    const b = await build();
    b.engine.ready = async () => {
      throw new Error('redis timeout');
    };
    const res = await b.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'unavailable', checks: { engine: false } });
    expect(res.body).not.toContain('redis');
  });
});

describe('OpenAPI and docs', () => {
  it('/docs/json lists every route with its parameters', async () => {
    const { app } = await build();
    const res = await app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as {
      openapi: string;
      paths: Record<string, Record<string, { parameters?: { name: string; in: string; required?: boolean }[]; requestBody?: unknown }>>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /v1/events',
        'GET /v1/recommendations',
        'GET /v1/items/{id}/similar',
        'GET /v1/items/{id}/bought-together',
        'GET /v1/trending',
        'GET /v1/search',
        'GET /healthz',
        'GET /readyz',
        'GET /metrics',
        'GET /',
      ]),
    );
    const recs = doc.paths['/v1/recommendations']?.get?.parameters ?? [];
    expect(recs.find((p) => p.name === 'market')).toMatchObject({ in: 'query', required: true });
    expect(recs.map((p) => p.name)).toEqual(expect.arrayContaining(['user', 'session', 'k', 'exclude', 'price_min', 'price_max', 'tenant']));
    expect(doc.paths['/v1/events']?.post?.requestBody).toBeDefined();
  });

  it('/docs serves the Swagger UI', async () => {
    const { app } = await build();
    const res = await app.inject({ url: '/docs' });
    const page = res.statusCode === 302 ? await app.inject({ url: String(res.headers.location) }) : res;
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('swagger');
  });
});

describe('playground', () => {
  it('/ is a self-contained HTML page that writes data with textContent only', async () => {
    const { app } = await build();
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    const html = res.body;
    expect(html).toMatch(/^<!doctype html>/);
    for (const m of ['US', 'GB', 'DE', 'FR', 'ES', 'JP', 'BR']) expect(html).toContain(`<option>${m}</option>`);
    for (const path of ['/v1/recommendations', '/v1/events', '/similar', '/bought-together', '/v1/trending', '/v1/search']) {
      expect(html).toContain(path);
    }
    expect(html).toContain('textContent');
    expect(html).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    // No external assets: nothing loaded from another origin.
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
  });
});

describe('createApp as a plugin', () => {
  it('registers on a bare Fastify instance and shares metrics the composition root created', async () => {
    const { createMetrics } = await import('../../src/serve/index.ts');
    const registry = new Registry();
    const instrumentation = createInstrumentation();
    const metrics = createMetrics({ registry, instrumentation, defaultMetrics: false });
    const app = Fastify();
    try {
      await app.register(createApp, { engine: fakeEngine(), registry, instrumentation, logger: silentLogger, auth: { mode: 'off' } });
      await app.ready();
      const res = await app.inject({ url: '/v1/trending?market=US' });
      expect(res.statusCode).toBe(200);
      const bad = await app.inject({ url: '/v1/trending' });
      expect(bad.json()).toMatchObject({ error: { code: 'parameter_invalid', field: 'market' } });
      const text = await registry.metrics();
      expect(text).toContain('meridian_http_requests_total{route="/v1/trending",method="GET",status_code="200"} 1');
    } finally {
      await app.close();
      metrics.close();
    }
  });

  it('fails fast without its dependencies', async () => {
    const app = Fastify();
    try {
      await expect(
        app.register(createApp, { engine: fakeEngine(), registry: new Registry(), instrumentation: createInstrumentation() } as never).ready(),
      ).rejects.toThrow(/required/);
    } finally {
      await app.close();
    }
  });
});
