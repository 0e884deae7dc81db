import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../core/index.ts';
import type { Engine, Readiness as EngineReadiness } from '../engine/index.ts';
import { ErrorBody, Health, Readiness } from './schemas.ts';

/** Liveness, readiness and the Prometheus scrape endpoint. */
export interface OpsRoutesOptions {
  engine: Engine;
  registry: Registry;
  logger: Logger;
  /** `admin`: /metrics needs the admin scope; `public`: it needs no key (an ops port); `none`: not served. */
  metrics?: 'admin' | 'public' | 'none';
}

export async function opsRoutes(app: FastifyInstance, { engine, registry, logger, metrics = 'admin' }: OpsRoutesOptions): Promise<void> {
  app.get(
    '/healthz',
    { config: { scope: 'public' }, schema: { summary: 'Liveness: the process serves HTTP', tags: ['ops'], security: [], response: { 200: Health } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      config: { scope: 'public' },
      schema: {
        security: [],
        summary: 'Readiness: every dependency of the engine answers',
        description: '200 when ready; 503 with the failing checks otherwise.',
        tags: ['ops'],
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (req, reply) => {
      let r: EngineReadiness;
      try {
        r = await engine.ready();
      } catch (err) {
        logger.warn('readiness check failed', { reqId: req.id, err });
        r = { ok: false, checks: { engine: false } };
      }
      return reply.status(r.ok ? 200 : 503).send({ status: r.ok ? 'ok' : 'unavailable', model: engine.modelVersion(), checks: r.checks });
    },
  );

  if (metrics === 'none') return;
  app.get(
    '/metrics',
    {
      config: { scope: metrics },
      schema: {
        ...(metrics === 'public' ? { security: [] } : {}),
        summary: 'Prometheus metrics (text exposition format)',
        description: metrics === 'admin' ? 'Needs a key with the admin scope (or serve it on an ops port: auth.opsPort).' : 'Served without a key on the ops port.',
        tags: ['ops'],
        produces: ['text/plain'],
        response: { 200: { type: 'string', description: 'Prometheus text format' }, '5xx': ErrorBody },
      },
    },
    async (_req, reply) => {
      const body = await registry.metrics();
      return reply.type(registry.contentType).send(body);
    },
  );
}

/**
 * The ops listener (`auth.opsPort`): /healthz, /readyz, /metrics and the API's OpenAPI document at
 * /docs/json, without a key, on a port the operator keeps off the storefront's network.
 */
export async function buildOpsServer(deps: OpsRoutesOptions & { openapi: () => unknown }): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await app.register(opsRoutes, { ...deps, metrics: 'public' });
  app.get('/docs/json', async () => deps.openapi());
  await app.ready();
  return app;
}
