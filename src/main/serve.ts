import type { Config } from '../config/index.ts';
import type { Logger } from '../core/index.ts';
import { buildOpsServer, buildServer } from '../serve/index.ts';
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
    },
    { logger: logger.child('http') },
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
      await demo?.stop();
      await ops?.close();
      await app.close();
      await rt.close();
      await access.close();
      logger.info('stopped');
    })());
  return { close, url: address, opsUrl };
}

/** Runs until SIGINT or SIGTERM, then shuts down gracefully; a second signal exits at once. */
export async function serveUntilSignal(config: Readonly<Config>, logger: Logger): Promise<void> {
  const server = await runServe(config, logger);
  await closeOnSignal(server.close, logger);
}
