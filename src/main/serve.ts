import type { Config } from '../config/index.ts';
import { closeAll, type Logger } from '../core/index.ts';
import { buildOpsServer, buildServer, openRedisRateStore, type RateLimitOptions, type RedisRateStore } from '../serve/index.ts';
import { checkAuthConfig, openAuth } from './access.ts';
import { seedDemo } from './demo.ts';
import { createRuntime } from './runtime.ts';
import { closeOnSignal } from './signals.ts';

/**
 * `meridian serve`: the API. On embedded defaults it is the whole engine in one process, seeded with a
 * simulated storefront. SIGINT/SIGTERM close it gracefully: requests drained, batches flushed,
 * snapshots written.
 */
export async function runServe(
  config: Readonly<Config>,
  logger: Logger,
): Promise<{ close: () => Promise<void>; url: string; opsUrl: string | undefined }> {
  checkAuthConfig(config);
  for (const [name, url] of Object.entries({ bus: config.bus, featureStore: config.featureStore, eventStore: config.eventStore })) {
    if (url.startsWith('memory:') || url.startsWith('chdb:')) {
      logger.warn(`${name} is the embedded ${url.split(':')[0]} adapter: fine for a demo or one node, not for production`, { url });
    }
  }
  const access = await openAuth(config, logger.child('auth'));
  const rt = await createRuntime(config, { logger }).catch(async (e: unknown) => {
    await access.close();
    throw e;
  });
  const { store: rateStore, rateLimit } = await rateLimits(config, logger);
  const { cors, ...timeouts } = config.http;
  const onOpsPort = config.auth.opsPort !== 0;
  const app = await buildServer(
    {
      engine: rt.engine,
      registry: rt.registry,
      instrumentation: rt.instrumentation,
      logger: logger.child('http'),
      auth: access.auth,
      opsRoutes: onOpsPort ? 'ops' : 'here',
      ...(access.playgroundKey === undefined ? {} : { playgroundKey: access.playgroundKey }),
      cors,
      ...(rateLimit === undefined ? {} : { rateLimit }),
    },
    { logger: logger.child('http'), timeouts },
  );
  const address = await app.listen({ host: config.host, port: config.port });
  const ops = onOpsPort ? await buildOpsServer({ engine: rt.engine, registry: rt.registry, logger: logger.child('ops'), openapi: () => app.swagger() }) : undefined;
  const opsUrl = ops === undefined ? undefined : await ops.listen({ host: config.host, port: config.auth.opsPort });
  logger.info('meridian is serving', { url: address, docs: `${opsUrl ?? address}/docs${opsUrl === undefined ? '' : '/json'}`, auth: config.auth.mode, ...(opsUrl === undefined ? {} : { ops: opsUrl }) });
  const demo = config.demo.enabled ? await seedDemo(rt.engine, config.demo, logger.child('demo')) : undefined;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      logger.info('shutting down');
      // Each step runs even when one before it failed: the runtime's close writes the snapshots.
      await closeAll(
        [
          ['demo traffic', () => demo?.stop()],
          ['ops http', () => ops?.close()],
          ['http', () => app.close()],
          ['rate limits', () => rateStore?.close()],
          ['runtime', () => rt.close()],
          ['keys', () => access.close()],
        ],
        logger,
      );
      logger.info('stopped');
    })());
  return { close, url: address, opsUrl };
}

/**
 * The configured rate limits, their buckets in the feature store's Redis when it is a single Redis
 * (every replica shares them), in process otherwise.
 */
async function rateLimits(config: Readonly<Config>, logger: Logger): Promise<{ store?: RedisRateStore; rateLimit?: RateLimitOptions }> {
  const { enabled, perKey, perTenant, redisTimeoutMs } = config.rateLimit;
  if (!enabled) {
    logger.warn('rate limits are off (rateLimit.enabled false)');
    return {};
  }
  if (/^rediss?:\/\//.test(config.featureStore)) {
    const store = await openRedisRateStore({ url: config.featureStore, commandTimeoutMs: redisTimeoutMs, logger: logger.child('rate-limits') });
    return { store, rateLimit: { perKey, perTenant, store } };
  }
  if (config.featureStore.startsWith('memory:') === false) {
    logger.warn('rate limits: buckets are per process with a Redis Cluster feature store (each replica limits on its own)');
  }
  return { rateLimit: { perKey, perTenant } };
}

/** Runs until SIGINT or SIGTERM, then shuts down gracefully; a second signal exits at once. */
export async function serveUntilSignal(config: Readonly<Config>, logger: Logger): Promise<void> {
  const server = await runServe(config, logger);
  await closeOnSignal(server.close, logger);
}
