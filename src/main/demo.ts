import type { Logger } from '../core/index.ts';
import type { Engine } from '../engine/index.ts';
import type { MeridianEvent } from '../ingest/index.ts';
import { createCatalog, createShoppers, createTraffic } from '../simulate/index.ts';

export interface DemoOptions {
  seed: number;
  items: number;
  users: number;
  events: number;
  /** Live simulated events per second after seeding; 0 = none. */
  rate: number;
}

/** Ingests events in batches through engine.ingest (validation, bus, online updater, store); returns how many were accepted. */
export async function ingestInBatches(engine: Engine, events: Iterable<MeridianEvent>, batch = 1000): Promise<number> {
  let buf: MeridianEvent[] = [];
  let accepted = 0;
  const flush = async (): Promise<void> => {
    const res = await engine.ingest(buf, 'simulate');
    accepted += res.filter((r) => r.status === 'accepted').length;
    buf = [];
  };
  for (const e of events) {
    buf.push(e);
    if (buf.length >= batch) await flush();
  }
  if (buf.length > 0) await flush();
  return accepted;
}

/**
 * Seeds the embedded engine with a simulated cross-border storefront (catalog, then a day of traffic
 * ending now) and keeps live traffic flowing, so a newcomer sees recommendations move at once.
 * Event ids are deterministic, so a restart on a restored snapshot adds nothing twice.
 */
export async function seedDemo(engine: Engine, opts: DemoOptions, logger: Logger, now = Date.now): Promise<{ stop: () => Promise<void> }> {
  const t0 = performance.now();
  const end = now();
  const start = end - 24 * 3600 * 1000;
  const catalog = createCatalog({ seed: opts.seed, items: opts.items, ts: start - 3_600_000 });
  const shoppers = createShoppers({ seed: opts.seed, users: opts.users });
  const items = await ingestInBatches(engine, catalog);
  const history = opts.events > 0 ? createTraffic({ seed: opts.seed, catalog, shoppers, start, end, events: opts.events }) : [];
  const events = await ingestInBatches(engine, history);
  logger.info('demo storefront seeded', { items, events, ms: Math.round(performance.now() - t0) });
  if (opts.rate <= 0) return { stop: async () => {} };

  const live = createTraffic({ seed: opts.seed + 1, catalog, shoppers, live: true, now })[Symbol.iterator]();
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const tickMs = 250;
  const perTick = Math.max(1, Math.round((opts.rate * tickMs) / 1000));
  const timer = setInterval(() => {
    if (stopped) return;
    const batch: MeridianEvent[] = [];
    for (let i = 0; i < perTick; i++) {
      const n = live.next();
      if (n.done === true) break;
      batch.push(n.value);
    }
    running = running
      .then(() => engine.ingest(batch, 'simulate'))
      .then(
        () => undefined,
        (e: unknown) => logger.warn('live demo traffic failed', { err: e }),
      );
  }, tickMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
