import { badRequest, createRng, type Rng } from '../core/index.ts';
import type { ShopperEvent } from '../ingest/index.ts';
import type { Catalog } from './catalog.ts';
import { DueHeap } from './heap.ts';
import { buildPools, type MarketPools } from './pools.ts';
import { exponential, pickCumulative } from './sample.ts';
import { BROWSE, DONE, createMachine, type Review, type Session, type Visitor } from './session.ts';
import type { Shopper } from './shoppers.ts';
import { CATEGORIES } from './vocab/index.ts';

export interface TrafficOptions {
  seed: number;
  catalog: Catalog;
  shoppers: readonly Shopper[];
  /** Simulated time of the first session (ms since epoch). */
  start?: number;
  /** Stop after this many events; default: never (take what you need). */
  events?: number;
  /**
   * Stop at this simulated time. Given together with `events` (and no `sessionsPerDay`), the session
   * rate is fitted so that the events spread over [start, end].
   */
  end?: number;
  /** Sessions started per simulated day; default 1.2 per shopper. */
  sessionsPerDay?: number;
  /** Stamp ts with the wall clock at emission (for posting to a running server). */
  live?: boolean;
  /** The wall clock; read only when `live`. */
  now?: () => number;
  tenant?: string;
  /** Prefix of event and session ids; default `sim<seed>` (live: also the start time, so reruns are new events). */
  idPrefix?: string;
}

export type TrafficEvent = ShopperEvent;

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Relative traffic by local hour: quiet nights, an evening peak. */
const DIURNAL = [0.25, 0.15, 0.1, 0.08, 0.08, 0.12, 0.25, 0.45, 0.6, 0.65, 0.7, 0.75, 0.8, 0.75, 0.7, 0.7, 0.75, 0.85, 0.95, 1, 1, 0.9, 0.7, 0.45];
const DIURNAL_MEAN = DIURNAL.reduce((a, b) => a + b, 0) / DIURNAL.length;
const MEAN_STEPS = 7;
const PILOT_SESSIONS = 600;

function visitorsOf(catalog: Catalog, shoppers: readonly Shopper[]): Visitor[] {
  const byName = new Map<string, number[]>();
  for (const b of catalog.brands) byName.set(b.name, [...(byName.get(b.name) ?? []), b.index]);
  return shoppers.map((shopper) => {
    const market = catalog.marketIndex(shopper.market);
    if (market < 0) {
      throw badRequest('simulate_option_invalid', `shoppers: market ${shopper.market} of ${shopper.id} is not in the catalog`, 'shoppers');
    }
    const tasteCum = new Float64Array(CATEGORIES.length);
    let sum = 0;
    for (let c = 0; c < tasteCum.length; c++) tasteCum[c] = sum += shopper.taste[c] ?? 0;
    for (let c = 0; c < tasteCum.length; c++) tasteCum[c] = tasteCum[c]! / (sum || 1);
    const favourites = CATEGORIES.map((_, c) =>
      shopper.favouriteBrands.flatMap((n) => byName.get(n) ?? []).filter((b) => catalog.brands[b]!.category === c),
    );
    return {
      shopper,
      market,
      currency: catalog.markets[market]!.currency,
      tasteCum,
      preferred: new Set(shopper.preferred),
      favourites,
      favouriteSet: new Set(favourites.flat()),
    };
  });
}

const newSession = (rng: Rng, visitor: Visitor, id: string, t: number, seq: number): Session => ({
  kind: 'session',
  t,
  seq,
  visitor,
  id,
  stepsLeft: 1 + Math.floor(exponential(rng, MEAN_STEPS)),
  next: BROWSE,
  item: -1,
  last: -1,
  cart: [],
  paid: 0,
});

/** Mean events per session (reviews included), measured on a pilot run with its own rng. */
function eventsPerSession(seed: number, catalog: Catalog, pools: readonly MarketPools[], visitors: readonly Visitor[]): number {
  const rng = createRng(seed ^ 0x9170f);
  let events = 0;
  const machine = createMachine({ catalog, pools, rng, tenant: 'pilot', stamp: (t) => t, nextId: () => 'p', schedule: () => events++ });
  for (let i = 0; i < PILOT_SESSIONS; i++) {
    const s = newSession(rng, visitors[i % visitors.length]!, 'p', 0, 0);
    while (s.next !== DONE) {
      machine.step(s);
      events++;
    }
  }
  return events / PILOT_SESSIONS;
}

/** The session rate: as given, fitted to spread `events` over [start, end], or 1.2 per shopper a day. */
function sessionsPerDay(o: TrafficOptions, start: number, events: number, end: number, perSession: () => number): number {
  if (o.sessionsPerDay !== undefined) return o.sessionsPerDay;
  if (events === Infinity || end === Infinity) return o.shoppers.length * 1.2;
  // A little above the fitted rate, so the count is reached just before `end`.
  return (1.03 * events) / perSession() / ((end - start) / DAY);
}

function check(o: TrafficOptions, start: number, events: number, end: number): void {
  const bad = (field: string, msg: string): never => {
    throw badRequest('simulate_option_invalid', `${field}: ${msg}`, field);
  };
  if (!Number.isInteger(o.seed)) bad('seed', `expected an integer, got ${o.seed}`);
  if (!Number.isInteger(start) || start < 0) bad('start', `expected ms since epoch, got ${start}`);
  if (!(events >= 0) || (events !== Infinity && !Number.isInteger(events))) bad('events', `expected a count, got ${events}`);
  if (!(end > start)) bad('end', `must be after start (${start}), got ${end}`);
  if (o.sessionsPerDay !== undefined && !(o.sessionsPerDay > 0)) bad('sessionsPerDay', `expected > 0, got ${o.sessionsPerDay}`);
  if (o.shoppers.length === 0) bad('shoppers', 'at least one shopper is needed');
}

/**
 * Shopper events of a seeded storefront, in event-time order, generated lazily: sessions arrive
 * through the day (by each market's local hour) and interleave on one simulated clock.
 */
export function createTraffic(opts: TrafficOptions): Generator<TrafficEvent, void, undefined> {
  const {
    seed,
    catalog,
    shoppers,
    start = Date.UTC(2026, 0, 1),
    events = Infinity,
    end = Infinity,
    live = false,
    now = Date.now,
    tenant = 'default',
  } = opts;
  check(opts, start, events, end);
  const pools = buildPools(catalog);
  const visitors = visitorsOf(catalog, shoppers).filter((v) => pools[v.market]!.size > 0);
  if (visitors.length === 0) throw badRequest('simulate_option_invalid', 'catalog: no shopper has an item on sale in their market', 'catalog');
  const activity = new Float64Array(visitors.length);
  let activityTotal = 0;
  visitors.forEach((v, i) => (activity[i] = activityTotal += v.shopper.activity));

  const meanGap = (DAY * DIURNAL_MEAN) / sessionsPerDay(opts, start, events, end, () => eventsPerSession(seed, catalog, pools, visitors));
  const prefix = opts.idPrefix ?? (live ? `live${seed}-${now().toString(36)}` : `sim${seed}`);

  const rng = createRng(seed ^ 0x7a1f1c);
  const heap = new DueHeap<Session | Review>();
  let seq = 0;
  let count = 0;
  let sessions = 0;
  const machine = createMachine({
    catalog,
    pools,
    rng,
    tenant,
    stamp: live ? () => now() : Math.floor,
    nextId: () => `${prefix}-${count}`,
    schedule: (r) => {
      r.seq = seq++;
      heap.push(r);
    },
  });

  /** Thinning: a candidate arrival becomes a session with the probability of its shopper's local hour. */
  const arrive = (t: number): void => {
    const visitor = visitors[pickCumulative(activity, activityTotal, rng.next())]!;
    const utcOffset = catalog.markets[visitor.market]!.utcOffset;
    const hour = Math.floor((t / HOUR + utcOffset) % 24 + 24) % 24;
    if (rng.next() >= DIURNAL[hour]!) return;
    heap.push(newSession(rng, visitor, `${prefix}-s${sessions++}`, t, seq++));
  };

  function* run(): Generator<TrafficEvent, void, undefined> {
    let nextArrival = start + exponential(rng, meanGap);
    while (count < events) {
      const top = heap.peek();
      if (top === undefined || nextArrival <= top.t) {
        if (nextArrival >= end) return;
        arrive(nextArrival);
        nextArrival += exponential(rng, meanGap);
        continue;
      }
      if (top.t >= end) return;
      heap.pop();
      let e: TrafficEvent;
      if (top.kind === 'session') {
        e = machine.step(top);
        if (top.next !== DONE) heap.push(top);
      } else {
        e = machine.review(top);
      }
      count++;
      yield e;
    }
  }
  return run();
}
