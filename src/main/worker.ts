import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { Config } from '../config/index.ts';
import { MeridianError, closeAll, createInstrumentation, type Instrumentation, type Logger } from '../core/index.ts';
import { openEventBus, type EventBus } from '../bus/index.ts';
import { openEventStore, type EventStore } from '../event-store/index.ts';
import { openDeadLetterSink } from '../dead-letters/index.ts';
import { createOnlineUpdater, type Tenants } from '../online/index.ts';
import { createMetrics } from '../serve/index.ts';
import { WORKER_GROUP, gaugeSources, openTenants } from './runtime.ts';
import { closeOnSignal } from './signals.ts';
import { deadLetterOptions, deadLetterRefused, withinEventTime } from './dead-letters.ts';

export const DEFAULT_WORKER_PORT = 9464;

export interface WorkerOptions {
  /** Port of the /metrics and /healthz listener (0: any free port). */
  port?: number;
  /** Address of that listener; default the API's (config.host). */
  host?: string;
  registry?: Registry;
  /** The consumer group; default `meridian-worker` (serve's catalog followers start from its offsets). */
  group?: string;
  /** Follow the model registry in config.modelDir, as serve does (default true). */
  followModels?: boolean;
}

export interface Worker {
  /** Where /metrics and /healthz answer. */
  url: string;
  registry: Registry;
  instrumentation: Instrumentation;
  bus: EventBus;
  eventStore: EventStore;
  tenants: Tenants;
  /** Finishes the batch in flight, commits, leaves the group, flushes the stores. */
  close(): Promise<void>;
}

/** The worker's listener port from MERIDIAN_WORKER_PORT (default 9464). */
export function workerPortFromEnv(env: Record<string, string | undefined>): number {
  const raw = env.MERIDIAN_WORKER_PORT;
  if (raw === undefined || raw === '') return DEFAULT_WORKER_PORT;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new MeridianError('config_invalid', `MERIDIAN_WORKER_PORT: expected a port number, got "${raw}"`);
  return port;
}

function opsApp(registry: Registry, checks: Record<string, () => Promise<boolean>>): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  app.get('/healthz', async (_req, reply) => {
    const names = Object.keys(checks);
    const values = await Promise.all(names.map((n) => (checks[n] as () => Promise<boolean>)().catch(() => false)));
    const out: Record<string, boolean> = {};
    names.forEach((n, i) => (out[n] = values[i] === true));
    const ok = values.every((v) => v === true);
    return reply.code(ok ? 200 : 503).send({ ok, checks: out });
  });
  return app;
}

/**
 * `meridian worker`: consumes the events topic in a consumer group (`meridian-worker`) and applies every
 * event with the online updater to the feature store and the event store. Offsets are committed
 * after the events are applied and the apply is idempotent by event id, so the effect is exactly
 * once across restarts and rebalances. Serves /metrics and /healthz on a small listener of its own.
 */
export async function runWorker(config: Readonly<Config>, logger: Logger, options: WorkerOptions = {}): Promise<Worker> {
  if (!config.bus.startsWith('kafka://')) {
    throw new MeridianError('config_invalid', `meridian worker consumes a Kafka topic: set bus (MERIDIAN_BUS) to kafka://host:port, got "${config.bus}"`);
  }
  const { port = DEFAULT_WORKER_PORT, host = config.host, group = WORKER_GROUP } = options;
  const instrumentation = createInstrumentation();
  const registry = options.registry ?? new Registry();
  // The worker never searches: item vectors only feed the user encoder.
  const { tenants, content, encoder, models } = openTenants(config, { logger, instrumentation }, { searchable: false });
  createMetrics({ registry, instrumentation, gauges: { model: gaugeSources(tenants, models).model } });
  // Shopper vectors are written with the model in service, the one serve reads them with.
  const unfollow = options.followModels === false ? () => undefined : models.follow();
  const stopModels = async (): Promise<void> => {
    unfollow();
    await models.idle();
  };
  const opened: (() => Promise<void>)[] = [() => tenants.close(), stopModels];
  const unwind = async (): Promise<void> => {
    for (const close of opened.reverse()) await close().catch((e: unknown) => logger.warn('close failed', { err: e }));
  };
  try {
    const deadLetters = await openDeadLetterSink(config.deadLetters, { logger: logger.child('deadletters'), instrumentation }, deadLetterOptions(config));
    opened.push(() => deadLetters.close());
    const rejected = deadLetterRefused(deadLetters);
    const eventStore = await openEventStore(config.eventStore, { logger: logger.child('eventstore'), instrumentation, rejected });
    opened.push(async () => {
      await eventStore.flush();
      await eventStore.close();
    });
    const bus = await openEventBus(config.bus, { logger: logger.child('bus'), instrumentation });
    opened.push(() => bus.close());
    const app = opsApp(registry, { bus: () => bus.ping(), eventStore: () => eventStore.ping() });
    opened.push(() => app.close());
    const url = await app.listen({ host, port });
    const updater = createOnlineUpdater({ tenants, encoder, content, eventStore, instrumentation, logger: logger.child('online') });
    // Offsets are committed when this handler resolves, so the event store's buffer is flushed first:
    // a committed event is in both stores. A worker killed before that commit gets the batch again
    // when it restarts; the updater appends it again, duplicates to the feature store included, and
    // the event store keeps each event once, so both stores end up exact.
    // Other producers may write to the topic directly: the event-time window holds here too.
    await bus.subscribe(group, async (records) => {
      await updater.handler(await withinEventTime(records, config.ingest, Date.now(), deadLetters, 'kafka'));
      await eventStore.flush();
    });
    logger.info('meridian worker is consuming', { group, metrics: `${url}/metrics` });

    let closing: Promise<void> | undefined;
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        logger.info('worker shutting down');
        // Each step runs even when one before it failed, so the stores are flushed and closed.
        await closeAll(
          [
            ['ops listener', () => app.close()],
            // The bus finishes the batch in flight and commits before it leaves the group.
            ['bus', () => bus.close()],
            ['event store flush', () => eventStore.flush()],
            ['event store', () => eventStore.close()],
            // After the store: its last flush may dead-letter refused events.
            ['dead letters', () => deadLetters.close()],
            ['models', stopModels],
            ['tenants', () => tenants.close()],
          ],
          logger,
        );
        logger.info('worker stopped');
      })());
    return { url, registry, instrumentation, bus, eventStore, tenants, close };
  } catch (e) {
    await unwind();
    throw e;
  }
}

/** Runs the worker until SIGINT or SIGTERM, then stops it gracefully; a second signal exits at once. */
export async function workerUntilSignal(config: Readonly<Config>, logger: Logger, options: WorkerOptions = {}): Promise<void> {
  const worker = await runWorker(config, logger, options);
  await closeOnSignal(worker.close, logger);
}
