import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Registry } from 'prom-client';
import type { Instrumentation, Logger } from '../core/index.ts';
import type { Engine } from '../engine/index.ts';
import { LIMITS } from '../ingest/index.ts';
import { frameworkErrorHandler, makeErrorHandler, notFoundHandler } from './errors.ts';
import { eventRoutes } from './events.ts';
import { addCors, timeoutOptions, type CorsOptions, type HttpTimeouts } from './http-limits.ts';
import { listRoutes } from './lists.ts';
import { createMetrics, httpObserverOf } from './metrics.ts';
import { opsRoutes } from './ops.ts';
import { playgroundRoutes } from './playground.ts';
import { addRateLimits, type RateLimitOptions } from './rate-limit.ts';
import type { Limits } from './schemas.ts';
import { adminKeyRoutes } from './admin-keys.ts';
import { registerAuth, type AuthOptions } from './auth.ts';

export interface AppDeps {
  engine: Engine;
  registry: Registry;
  instrumentation: Instrumentation;
  logger: Logger;
  /**
   * Who may call: `{ mode: 'keys', keys }` (API keys with scopes) or `{ mode: 'off' }` (everyone is
   * an operator; the composition root allows it on a loopback address only). Required: no default
   * can be the safe one for every caller.
   */
  auth: AuthOptions;
  /**
   * Where /metrics and /docs are: `here` (default; they need the admin scope) or `ops` (a separate
   * ops listener serves them, see createOpsServer, and this app does not).
   */
  opsRoutes?: 'here' | 'ops';
  limits?: Limits;
  tenantDefault?: string;
  /** A `search` key the playground page calls the API with when keys are required. */
  playgroundKey?: string;
  /** Base URL listed in the OpenAPI document; absent, the docs target the origin they are served from. */
  publicUrl?: string;
  /** Browser origins allowed (CORS); none when absent. */
  cors?: CorsOptions;
  /** Request rates per key and per tenant; unlimited when absent. */
  rateLimit?: RateLimitOptions;
}

export interface ServerOptions {
  /**
   * Where the composition root will listen. Only used for the OpenAPI `servers` entry, and only for
   * a concrete host (a wildcard address is no URL a client can call).
   */
  host?: string;
  port?: number;
  /** Where to log one line per request (method, route, status, ms, request id), at debug level. */
  logger?: Logger;
  /** How long a client may take to send a request or stay silent (HTTP_TIMEOUTS when absent). */
  timeouts?: HttpTimeouts;
}

/** Route label for requests that matched no route: one series, whatever the URL. */
const UNMATCHED = 'unmatched';

/**
 * The whole HTTP API as a Fastify plugin. It is not encapsulated (skip-override), so its error and
 * not-found handlers and hooks apply to the instance it is registered on.
 */
const app: FastifyPluginAsync<AppDeps> = async (fastify, deps) => {
  const { engine, registry, instrumentation, logger, auth, opsRoutes: ops = 'here', limits = LIMITS, tenantDefault = 'default', publicUrl } = deps;
  if (engine === undefined || registry === undefined || instrumentation === undefined || logger === undefined) {
    throw new Error('createApp: engine, registry, instrumentation and logger are required');
  }
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(tenantDefault)) throw new Error(`createApp: invalid tenantDefault ${JSON.stringify(tenantDefault)}`);

  // Metrics the composition root already registered are shared; otherwise the app owns its own.
  let observeHttp = httpObserverOf(registry);
  if (observeHttp === undefined) {
    const metrics = createMetrics({ registry, instrumentation });
    fastify.addHook('onClose', async () => metrics.close());
    observeHttp = metrics.observeHttp;
  }
  const observe = observeHttp;
  // Callback-style hooks: an async hook costs a promise and a microtask on every request.
  fastify.addHook('onResponse', (req, reply, done) => {
    observe({
      route: req.routeOptions.url ?? UNMATCHED,
      method: req.method,
      statusCode: reply.statusCode,
      seconds: reply.elapsedTime / 1000,
    });
    done();
  });
  fastify.addHook('onRequest', (req, reply, done) => {
    void reply.header('x-request-id', req.id);
    done();
  });

  // CORS first: a browser's preflight carries no key, and is answered before authentication.
  if (deps.cors !== undefined) await addCors(fastify, deps.cors);
  registerAuth(fastify, auth);
  // Rate limits run as a preHandler, after authentication has named the key and its tenant.
  if (deps.rateLimit !== undefined) addRateLimits(fastify, deps.rateLimit, logger);

  fastify.setErrorHandler(makeErrorHandler(logger));
  fastify.setNotFoundHandler(notFoundHandler);

  await fastify.register(swagger, {
    openapi: {
      info: {
        title: 'Meridian',
        description: 'Real-time personalization for cross-border e-commerce: events in, recommendations and search out.',
        version: '0.1.0',
      },
      ...(publicUrl === undefined ? {} : { servers: [{ url: publicUrl }] }),
      tags: [
        { name: 'events' },
        { name: 'recommendations' },
        { name: 'search' },
        { name: 'ops' },
        { name: 'playground' },
        { name: 'admin' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'an API key: Authorization: Bearer mk_…' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
  });
  // Served here, the docs need the admin scope (routes without a declared scope need it); on an ops port, nothing.
  if (ops === 'here') await fastify.register(swaggerUi, { routePrefix: '/docs' });

  await fastify.register(eventRoutes, { engine, limits });
  await fastify.register(listRoutes, { engine, limits, tenantDefault });
  await fastify.register(opsRoutes, { engine, registry, logger, metrics: ops === 'here' ? 'admin' : 'none' });
  await fastify.register(playgroundRoutes, auth.mode === 'keys' && deps.playgroundKey !== undefined ? { key: deps.playgroundKey } : {});
  if (auth.keys !== undefined) await fastify.register(adminKeyRoutes, { keys: auth.keys });
};
(app as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

/** The API plugin: `await fastify.register(createApp, deps)`. */
export const createApp = app;

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A caller's x-request-id when it is short and plain; a fresh one otherwise. */
function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const h = req.headers['x-request-id'];
  return typeof h === 'string' && REQUEST_ID.test(h) ? h : randomUUID();
}

/**
 * A ready Fastify instance with the API registered, not listening: the composition root calls
 * `listen`, tests call `inject`.
 */
export async function buildServer(deps: AppDeps, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const limits = deps.limits ?? LIMITS;
  const fastify = Fastify({
    bodyLimit: limits.bodyBytes,
    ...timeoutOptions(opts.timeouts),
    logger: false,
    genReqId: requestId,
    // Long enough for any id within the limit once percent-encoded (up to 9 characters per UTF-16
    // unit), so such ids reach validation and get a 400 that names the field.
    routerOptions: { maxParamLength: limits.idChars * 9 },
    frameworkErrors: frameworkErrorHandler,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false, useDefaults: true } },
  });
  const log = opts.logger;
  if (log !== undefined) {
    fastify.addHook('onResponse', (req, reply, done) => {
      log.debug('request', {
        reqId: req.id,
        method: req.method,
        route: req.routeOptions.url ?? UNMATCHED,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      });
      done();
    });
  }
  const { host, port } = opts;
  const concrete = host !== undefined && port !== undefined && port > 0 && !['0.0.0.0', '::', ''].includes(host);
  const publicUrl = deps.publicUrl ?? (concrete ? `http://${host.includes(':') ? `[${host}]` : host}:${port}` : undefined);
  await fastify.register(createApp, publicUrl === undefined ? deps : { ...deps, publicUrl });
  await fastify.ready();
  return fastify;
}
