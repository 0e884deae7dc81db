import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../core/index.ts';
import type { Engine, Readiness as EngineReadiness } from '../engine/index.ts';
import { ErrorBody, Health, Readiness } from './schemas.ts';

/** Liveness, readiness and the Prometheus scrape endpoint. */
export interface OpsRoutesOptions {
  engine: Engine;
  registry: Registry;
  logger: Logger;
}

export async function opsRoutes(app: FastifyInstance, { engine, registry, logger }: OpsRoutesOptions): Promise<void> {
  app.get(
    '/healthz',
    { schema: { summary: 'Liveness: the process serves HTTP', tags: ['ops'], response: { 200: Health } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
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

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (text exposition format)',
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
