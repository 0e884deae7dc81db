import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { createRng, silentLogger } from '../../src/core/index.ts';
import type { MeridianEvent } from '../../src/ingest/index.ts';
import { createRuntime, ingestInBatches, type Runtime } from '../../src/main/index.ts';
import { buildServer } from '../../src/serve/index.ts';
import { createCatalog, createShoppers, createTraffic, type Catalog } from '../../src/simulate/index.ts';
import { nowMs } from './stats.ts';

/** The embedded engine with in-memory stores: what `npm start` runs, minus the snapshot and chDB files. */
export function embeddedConfig(overrides: Record<string, unknown> = {}): Readonly<Config> {
  return loadConfig({
    env: {},
    overrides: {
      featureStore: 'memory:',
      eventStore: 'memory:',
      deadLetters: 'memory:',
      logLevel: 'silent',
      demo: { enabled: false },
      ...overrides,
    },
  });
}

export interface StorefrontSize {
  items: number;
  users: number;
  events: number;
}

/** A known shopper as the storefront would ask for them. */
export interface KnownShopper {
  user: string;
  market: string;
  locale: string;
}

/** A search as a shopper typed it, in their language. */
export interface KnownQuery extends KnownShopper {
  q: string;
}

export interface BenchEngine {
  rt: Runtime;
  app: FastifyInstance;
  url: string;
  catalog: Catalog;
  shoppers: KnownShopper[];
  queries: KnownQuery[];
  /** How seeding went: events ingested through engine.ingest (validation, bus, online updater, store). */
  seed: { items: number; events: number; seconds: number; eventsPerSecond: number };
  close(): Promise<void>;
}

/** Ingests events in batches of 1000, as the demo seeding does; returns how many were accepted. */
export async function ingestAll(rt: Runtime, events: Iterable<MeridianEvent>, batch = 1000): Promise<number> {
  return ingestInBatches(rt.engine, events, batch);
}

/** Where offline storefronts start, so that their events are the same from run to run. */
const FIXED_START = Date.UTC(2026, 0, 1);

/**
 * A seeded storefront: the catalog, then its shoppers' traffic an hour later. Offline (no `end`):
 * exactly `size.events` events from a fixed date, the same every run. Live (`end`, e.g. now): a day
 * of traffic fitted to end then, as the demo seeds it, so clicks sent now follow it in event time;
 * the fit may give a few events fewer than asked.
 */
export function storefront(seed: number, size: StorefrontSize, end?: number) {
  const start = end === undefined ? FIXED_START : end - 24 * 3600 * 1000;
  const catalog = createCatalog({ seed, items: size.items, ts: start - 3_600_000 });
  const people = createShoppers({ seed, users: size.users });
  const window = end === undefined ? {} : { end };
  const traffic = [...createTraffic({ seed, catalog, shoppers: people, start, events: size.events, ...window })];
  return { catalog, traffic };
}

/** Shoppers (logged-in users) and searches of the traffic, deduplicated, in first-seen order. */
function knownOf(traffic: readonly MeridianEvent[]): { shoppers: KnownShopper[]; queries: KnownQuery[] } {
  const users = new Map<string, KnownShopper>();
  const queries: KnownQuery[] = [];
  for (const e of traffic) {
    if (e.user_id === undefined || e.market === undefined || e.locale === undefined) continue;
    if (!users.has(e.user_id)) users.set(e.user_id, { user: e.user_id, market: e.market, locale: e.locale });
    if (e.type === 'search') queries.push({ user: e.user_id, market: e.market, locale: e.locale, q: e.query });
  }
  return { shoppers: [...users.values()], queries };
}

/** Starts the engine behind its HTTP API on a free loopback port, seeded through `engine.ingest`. */
export async function startBenchEngine(seed: number, size: StorefrontSize): Promise<BenchEngine> {
  const rt = await createRuntime(embeddedConfig(), { logger: silentLogger });
  const app = await buildServer({ engine: rt.engine, registry: rt.registry, instrumentation: rt.instrumentation, logger: silentLogger, auth: { mode: 'off' } });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { catalog, traffic } = storefront(seed, size, Date.now());
    const t0 = nowMs();
    const items = await ingestAll(rt, catalog);
    const events = await ingestAll(rt, traffic);
    const seconds = (nowMs() - t0) / 1000;
    const { shoppers, queries } = knownOf(traffic);
    const port = (app.server.address() as AddressInfo).port;
    return {
      rt,
      app,
      url: `http://127.0.0.1:${port}`,
      catalog,
      shoppers,
      queries,
      seed: { items, events, seconds, eventsPerSecond: (items + events) / seconds },
      async close() {
        await app.close();
        await rt.close();
      },
    };
  } catch (e) {
    await app.close();
    await rt.close();
    throw e;
  }
}

/** `n` picks from a list with a seeded generator (with repetition). */
export function sample<T>(list: readonly T[], n: number, seed: number): T[] {
  if (list.length === 0) throw new Error('sample: the list is empty');
  const rng = createRng(seed);
  return Array.from({ length: n }, () => list[Math.floor(rng.next() * list.length)] as T);
}

export const recommendationsPath = (s: KnownShopper): string =>
  `/v1/recommendations?user=${encodeURIComponent(s.user)}&market=${s.market}&locale=${s.locale}&k=10`;

export const searchPath = (s: KnownQuery): string =>
  `/v1/search?q=${encodeURIComponent(s.q)}&user=${encodeURIComponent(s.user)}&market=${s.market}&locale=${s.locale}&k=10`;
