import { createRng } from '../../src/core/index.ts';
import { createCatalog, createShoppers, createTraffic, type Shopper } from '../../src/simulate/index.ts';

export interface LoadCounts {
  /** Responses by status class: '2xx', '4xx', '5xx'. */
  status: Record<string, number>;
  eventsPosted: number;
  /** Network failures and unexpected statuses, first few. */
  failures: string[];
}

export interface Load {
  counts: LoadCounts;
  /** Stops after the tick in flight. */
  stop(): Promise<void>;
}

const TICK_MS = 200;

/**
 * Simulated storefront traffic against a running engine: the catalog first, then every tick a
 * batch of live shopper events, recommendations, similar items, trending and searches, and now
 * and then requests that must fail (invalid events, a bad parameter, an unknown item), so that
 * rejection, dead-letter and 4xx series exist.
 */
export async function startLoad({ url, tenant, seed = 7 }: { url: string; tenant: string; seed?: number }): Promise<Load> {
  const counts: LoadCounts = { status: {}, eventsPosted: 0, failures: [] };
  const rng = createRng(seed);
  const catalog = createCatalog({ seed, items: 200, ts: Date.now(), tenant });
  const shoppers = createShoppers({ seed, users: 60 }).filter((s) => !s.guest);
  const traffic = createTraffic({ seed, catalog, shoppers, live: true, tenant })[Symbol.iterator]();

  const call = async (path: string, init?: RequestInit, expect = 'ok'): Promise<void> => {
    try {
      const res = await fetch(`${url}${path}`, init);
      await res.arrayBuffer();
      const cls = `${Math.floor(res.status / 100)}xx`;
      counts.status[cls] = (counts.status[cls] ?? 0) + 1;
      const fine = expect === 'ok' ? res.ok : cls === '4xx';
      if (!fine && counts.failures.length < 5) counts.failures.push(`${init?.method ?? 'GET'} ${path}: ${res.status}`);
    } catch (e) {
      if (counts.failures.length < 5) counts.failures.push(`${path}: ${(e as Error).message}`);
    }
  };
  const post = (events: unknown[], expect = 'ok'): Promise<void> =>
    call('/v1/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) }, expect);

  const upserts = [...catalog];
  for (let i = 0; i < upserts.length; i += 100) await post(upserts.slice(i, i + 100));
  counts.eventsPosted += upserts.length;

  const shopperQuery = (s: Shopper): string => `tenant=${tenant}&market=${s.market}&locale=${encodeURIComponent(s.locale)}&k=10`;
  async function tick(n: number): Promise<void> {
    const batch: unknown[] = [];
    for (let i = 0; i < 20; i++) batch.push(traffic.next().value);
    await post(batch);
    counts.eventsPosted += batch.length;
    const s = rng.pick(shoppers);
    const item = rng.pick(catalog.items);
    const word = catalog.title(item, s.lang).split(/\s+/)[0] ?? 'shoes';
    await Promise.all([
      call(`/v1/recommendations?user=${s.id}&${shopperQuery(s)}`),
      call(`/v1/recommendations?user=${rng.pick(shoppers).id}&${shopperQuery(s)}`),
      call(`/v1/items/${item.id}/similar?${shopperQuery(s)}`),
      call(`/v1/trending?${shopperQuery(s)}`),
      call(`/v1/search?q=${encodeURIComponent(word)}&user=${s.id}&${shopperQuery(s)}`),
    ]);
    if (n % 5 === 0) {
      // An event without a shopper and one of an unknown type: answered per event, dead-lettered.
      await post([{ id: `bad-${n}`, type: 'click', tenant, item_id: item.id, ts: Date.now() }, { id: `odd-${n}`, type: 'teleport', tenant }]);
      await call(`/v1/recommendations?user=${s.id}&tenant=${tenant}&market=${s.market}&k=1000`, undefined, '4xx');
      await call(`/v1/items/no-such-item/similar?${shopperQuery(s)}`, undefined, '4xx');
    }
  }

  let stopped = false;
  const loop = (async () => {
    for (let n = 0; !stopped; n++) {
      const t0 = performance.now();
      await tick(n);
      const wait = TICK_MS - (performance.now() - t0);
      if (wait > 0 && !stopped) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();
  return {
    counts,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
