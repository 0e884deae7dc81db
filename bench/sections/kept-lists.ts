import { createRng } from '../../src/core/index.ts';
import type { MeridianEvent } from '../../src/ingest/index.ts';
import { LIST_CACHE_DEFAULTS } from '../../src/online/index.ts';
import type { BenchEngine, KnownShopper } from '../harness/engine.ts';

/**
 * The engine's kept lists in the serving bench. The computed figures turn them off (every request
 * ranks); the kept figures turn them on while the shoppers asked for keep acting: one click on an
 * item of their market per `requestsPerClick` list requests, posted through the engine's ingest as
 * the storefront would, so each click makes that shopper's kept lists stale as it does in service.
 */
export interface ListUse {
  hits: number;
  misses: number;
  /** Clicks posted during the run. */
  clicks: number;
}

/** Kept lists of the bench tenant on (the default size) or off. */
export async function keepLists(engine: BenchEngine, on: boolean): Promise<void> {
  const ctx = await engine.rt.tenants.get('default');
  if (ctx.lists === undefined) throw new Error('the bench engine keeps no lists (cache.entries is 0)');
  ctx.lists.resize(on ? LIST_CACHE_DEFAULTS.entries : 0);
}

/** Starts counting lookups and posting clicks; `stop` ends both and says what happened. */
export function clickFeeder(engine: BenchEngine, shoppers: readonly KnownShopper[], requestsPerClick: number, seed: number): { stop(): Promise<ListUse> } {
  const rng = createRng(seed);
  const byMarket = new Map<string, string[]>();
  for (const item of engine.catalog.items) {
    for (const m of engine.catalog.markets) {
      if (engine.catalog.price(item, m.market) === undefined) continue;
      let ids = byMarket.get(m.market);
      if (ids === undefined) byMarket.set(m.market, (ids = []));
      ids.push(item.id);
    }
  }
  const use: ListUse = { hits: 0, misses: 0, clicks: 0 };
  let pending: MeridianEvent[] = [];
  let failure: unknown;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rng.next() * list.length)] as T;
  const off = engine.rt.instrumentation.on('lists.cache', (p) => {
    if (p.hit) use.hits++;
    else use.misses++;
    if ((use.hits + use.misses) % requestsPerClick !== 0) return;
    const s = pick(shoppers);
    const items = byMarket.get(s.market);
    if (items === undefined) return;
    const id = `bench-kept-${seed}-${++use.clicks}`;
    pending.push({ id, type: 'click', tenant: 'default', market: s.market, locale: s.locale, user_id: s.user, item_id: pick(items), ts: Date.now() } as MeridianEvent);
  });
  // Posted in small batches, as storefront back ends forward them.
  let inFlight = Promise.resolve();
  const timer = setInterval(() => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    inFlight = inFlight
      .then(async () => {
        for (const r of await engine.rt.engine.ingest(batch, 'bench')) if (r.status === 'rejected') failure ??= new Error(`click rejected: ${r.reason}`);
      })
      .catch((e: unknown) => void (failure ??= e));
  }, 10);
  return {
    async stop() {
      off();
      clearInterval(timer);
      await inFlight;
      if (failure !== undefined) throw failure;
      return use;
    },
  };
}
