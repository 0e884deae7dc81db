import { badRequest, createInstrumentation, type Logger } from '../core/index.ts';
import { openEventBus } from '../bus/index.ts';
import { type MeridianEvent } from '../ingest/index.ts';
import { createCatalog } from './catalog.ts';
import { MARKETS, marketInfo } from './markets.ts';
import { createShoppers } from './shoppers.ts';
import { postEvents, publishEvents, writeNdjson, type PaceClock } from './sinks.ts';
import { createTraffic } from './traffic.ts';

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
  /** Wall clock for --clock wall. */
  now?: () => number;
  pace?: PaceClock;
  /** Stops the run; without one, SIGINT/SIGTERM stop it. */
  signal?: AbortSignal;
}

const USAGE = '--seed N --items N --users N --events N (--out FILE[.ndjson|.gz] | --url URL | --bus kafka://HOST:PORT) [--rate N] [--batch N] [--tenant T] [--start ISO] [--markets US,DE] [--clock sim|wall] [--no-catalog]';

const bad = (flag: string, msg: string): never => {
  throw badRequest('simulate_flag_invalid', `${flag}: ${msg} (usage: meridian simulate ${USAGE})`, flag);
};

function int(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) bad(flag, `expected an integer >= ${min}, got "${v}"`);
  return n;
}

/** Parses `meridian simulate` flags; unknown flags and bad values fail with the usage line. */
export function parseSimulateFlags(argv: readonly string[]): SimulateFlags {
  const f: SimulateFlags = {
    seed: 1, items: 2000, users: 500, events: 100_000, out: undefined, url: undefined, bus: undefined, rate: 0, batch: 100,
    tenant: 'default', start: Date.UTC(2026, 0, 1), markets: MARKETS.map((m) => m.market), clock: 'sim', catalog: true,
  };
  let clock: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--no-catalog') {
      f.catalog = false;
      continue;
    }
    const v = argv[++i];
    if (v === undefined) bad(flag, 'expected a value');
    const value = v as string;
    switch (flag) {
      case '--seed': f.seed = int(flag, value, -2147483648); break;
      case '--items': f.items = int(flag, value, 1); break;
      case '--users': f.users = int(flag, value, 1); break;
      case '--events': f.events = int(flag, value, 0); break;
      case '--out': f.out = value; break;
      case '--url': f.url = value; break;
      case '--bus': f.bus = value; break;
      case '--rate': f.rate = Number(value); if (!(f.rate >= 0)) bad(flag, `expected events/s >= 0, got "${value}"`); break;
      case '--batch': f.batch = int(flag, value, 1); break;
      case '--tenant': f.tenant = value; break;
      case '--start': f.start = /^\d+$/.test(value) ? Number(value) : Date.parse(value); if (Number.isNaN(f.start)) bad(flag, `expected an ISO date or ms, got "${value}"`); break;
      case '--markets': f.markets = value.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== ''); break;
      case '--clock': clock = value; if (value !== 'sim' && value !== 'wall') bad(flag, `expected sim or wall, got "${value}"`); break;
      default: bad(flag, 'unknown flag');
    }
  }
  if ([f.out, f.url, f.bus].filter((x) => x !== undefined).length !== 1) bad('--out', 'give exactly one of --out FILE, --url URL or --bus URL');
  if (f.out !== undefined && f.events === 0) bad('--events', 'an unbounded run needs --url or --bus');
  f.clock = (clock ?? (f.out === undefined ? 'wall' : 'sim')) as 'sim' | 'wall';
  return f;
}

/** `meridian simulate`: writes or posts a catalog and its traffic, then prints a one-line summary. */
export async function runSimulate(argv: string[], deps: SimulateDeps): Promise<number> {
  const f = parseSimulateFlags(argv);
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
    const common = { url: f.url!, batchSize: f.batch, signal, logger: deps.logger, ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }), ...(deps.pace === undefined ? {} : { clock: deps.pace }) };
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
