import { createInstrumentation, type Logger } from '../core/index.ts';
import { openEventBus } from '../bus/index.ts';
import { type MeridianEvent } from '../ingest/index.ts';
import { createCatalog } from './catalog.ts';
import { marketInfo } from './markets.ts';
import { createShoppers } from './shoppers.ts';
import { postEvents, publishEvents, writeNdjson, type PaceClock } from './sinks.ts';
import { createTraffic } from './traffic.ts';

/** What `meridian simulate` runs: its flags, parsed and checked (src/cli/simulate.ts). */
export interface SimulateFlags {
  seed: number;
  items: number;
  users: number;
  /** Shopper events; 0 = until interrupted (only with --url). */
  events: number;
  out: string | undefined;
  url: string | undefined;
  /** An event bus URL (kafka://host:port…): publish straight to the bus, as a storefront backend would. */
  bus: string | undefined;
  rate: number;
  batch: number;
  tenant: string;
  start: number;
  markets: string[];
  /** 'wall': ts is the time of sending; 'sim': ts from the simulated clock. */
  clock: 'sim' | 'wall';
  catalog: boolean;
}

export interface SimulateDeps {
  logger: Logger;
  /** Where the summary line goes; default stdout. */
  out?: (line: string) => void;
  fetch?: typeof globalThis.fetch;
  /** The API key for --url (MERIDIAN_API_KEY: never a flag, which other users could read). */
  apiKey?: string | undefined;
  /** Wall clock for --clock wall. */
  now?: () => number;
  pace?: PaceClock;
  /** Stops the run; without one, SIGINT/SIGTERM stop it. */
  signal?: AbortSignal;
}

/** `meridian simulate`: writes or posts a catalog and its traffic, then prints a one-line summary. */
export async function simulate(f: SimulateFlags, deps: SimulateDeps): Promise<number> {
  const print = deps.out ?? ((line: string) => process.stdout.write(line + '\n'));
  const markets = f.markets.map((code) => marketInfo(code));
  const catalog = createCatalog({ seed: f.seed, items: f.items, markets, ts: Math.max(0, f.start - 3_600_000), tenant: f.tenant });
  const shoppers = createShoppers({ seed: f.seed, users: f.users, markets });
  const traffic = createTraffic({
    seed: f.seed, catalog, shoppers, start: f.start, tenant: f.tenant,
    events: f.events === 0 ? Infinity : f.events,
    live: f.clock === 'wall', ...(deps.now === undefined ? {} : { now: deps.now }),
  });
  const stop = new AbortController();
  const signal = deps.signal ?? stop.signal;
  const onSignal = (): void => stop.abort();
  if (deps.signal === undefined) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const t0 = performance.now();
  try {
    if (f.out !== undefined) {
      const written = await writeNdjson(f.catalog ? concat<MeridianEvent>(catalog, traffic) : traffic, f.out, { signal });
      const items = f.catalog ? Math.min(f.items, written.events) : 0;
      print(summary(f, `wrote ${items} items and ${written.events - items} events to ${f.out}`, t0));
      return 0;
    }
    if (f.bus !== undefined) {
      const bus = await openEventBus(f.bus, { logger: deps.logger, instrumentation: createInstrumentation() });
      try {
        const publish = (events: readonly MeridianEvent[]): Promise<void> => bus.publish(events);
        const items = f.catalog ? await publishEvents({ publish, events: catalog, rate: 0, batchSize: f.batch, signal }) : undefined;
        const sent = await publishEvents({ publish, events: traffic, rate: f.rate, batchSize: f.batch, signal, ...(deps.pace === undefined ? {} : { clock: deps.pace }) });
        print(summary(f, `published ${items?.sent ?? 0} items and ${sent.sent} events to ${f.bus}`, t0));
        return 0;
      } finally {
        await bus.close();
      }
    }
    const common = { url: f.url!, apiKey: deps.apiKey, batchSize: f.batch, signal, logger: deps.logger, ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }), ...(deps.pace === undefined ? {} : { clock: deps.pace }) };
    const items = f.catalog ? await postEvents({ ...common, events: catalog, rate: 0 }) : undefined;
    const sent = await postEvents({ ...common, events: traffic, rate: f.rate });
    const accepted = sent.accepted + (items?.accepted ?? 0);
    const rejected = sent.rejected + (items?.rejected ?? 0);
    const duplicates = sent.duplicates + (items?.duplicates ?? 0);
    print(summary(f, `posted ${items?.sent ?? 0} items and ${sent.sent} events to ${f.url} (accepted ${accepted}, duplicates ${duplicates}, rejected ${rejected})`, t0));
    return rejected > 0 ? 1 : 0;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

function* concat<T>(...parts: Iterable<T>[]): Generator<T> {
  for (const p of parts) yield* p;
}

function summary(f: SimulateFlags, what: string, t0: number): string {
  const s = (performance.now() - t0) / 1000;
  return `simulate: ${what}; seed ${f.seed}, ${f.items} items, ${f.users} users, markets ${f.markets.join(',')}; ${s.toFixed(1)} s`;
}
