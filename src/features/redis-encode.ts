import type { CoocRelation, EventUpdates } from './types.ts';
import type { UserUpdate } from './user-state.ts';

/**
 * Where the Redis adapter keeps each structure, under `<keyPrefix>:<tenant>:`. The part in braces
 * is the hash tag: Redis Cluster places keys with the same tag in the same slot, so all of one
 * shopper's keys, all of one item's, one market's trending set and one token's clicks each live
 * in one slot. Ids are used as given: a `}` inside an id ends the tag early, but it does so the same
 * way for every key of that id, so they still share a slot.
 */
export interface RedisKeys {
  /** Prefix shared by every key of this store (for cleanup and SCAN). */
  readonly base: string;
  applied(eventId: string): string;
  /** Hash: `ts` (lastTs), `c:<type>` (counts), `v` (vector bytes). */
  user(shopper: string): string;
  /** List of "<ts> <type> <item>", oldest first. */
  recent(shopper: string): string;
  /** List of item ids, oldest first. */
  bought(shopper: string): string;
  /** Sorted set item → -log2 popularity. */
  trend(market: string): string;
  /** Set of markets that have a trending set (an item delete walks them). */
  readonly markets: string;
  readonly trendPrefix: string;
  readonly trendSuffix: string;
  /** Sorted set neighbour → -count. */
  cooc(rel: CoocRelation, item: string): string;
  /** Hash n, r, s: rating count, rating sum, sentiment sum. */
  stats(item: string): string;
  /** Sorted set item → -count. */
  clicks(token: string): string;
  /** Hash id → catalog item JSON. */
  readonly catalog: string;
}

export function redisKeys(keyPrefix: string, tenant: string): RedisKeys {
  const b = `${keyPrefix}:${tenant}:`;
  return {
    base: b,
    applied: (id) => `${b}{e:${id}}:applied`,
    user: (u) => `${b}{u:${u}}:h`,
    recent: (u) => `${b}{u:${u}}:recent`,
    bought: (u) => `${b}{u:${u}}:bought`,
    trend: (m) => `${b}{t:${m}}:trend`,
    markets: `${b}markets`,
    trendPrefix: `${b}{t:`,
    trendSuffix: '}:trend',
    cooc: (rel, item) => `${b}{i:${item}}:cooc:${rel}`,
    stats: (item) => `${b}{i:${item}}:stats`,
    clicks: (token) => `${b}{q:${token}}:clicks`,
    catalog: `${b}catalog`,
  };
}

/** Store options the script applies (they are not part of the updates). */
export interface EncodeLimits {
  appliedIdTtlSeconds: number;
  sessionTtlSeconds: number;
  trendingMax: number;
}

/**
 * Events per script call. Redis serves nothing else while a script runs, so a call stays short
 * (about a millisecond); a batch is still one round trip, a pipeline of such calls.
 */
export const EVENTS_PER_CALL = 32;

/** Anonymous sessions (shopper keys `s:<session id>`) expire; signed-in users do not. */
export const isSession = (shopper: string): boolean => shopper.startsWith('s:');

/** One script call: several events' keys and arguments, in the layout APPLY_SCRIPT reads. */
export interface ScriptCall {
  keys: string[];
  args: (string | Buffer)[];
}

export function newScriptCall(k: RedisKeys, lim: EncodeLimits): ScriptCall {
  return {
    keys: [],
    args: [String(lim.appliedIdTtlSeconds), String(lim.sessionTtlSeconds), String(lim.trendingMax), k.trendPrefix, k.trendSuffix],
  };
}

/** One shopper's share of an event, gathered so the script reads and writes its hash once. */
interface ShopperPart {
  user: string;
  maxTs: number;
  counts: string[];
  vector: Buffer | undefined;
  /** List ops, each a letter and its arguments, and how many. */
  list: string[];
  listOps: number;
}

function partOf(parts: ShopperPart[], user: string): ShopperPart {
  for (const p of parts) if (p.user === user) return p;
  const p: ShopperPart = { user, maxTs: -Infinity, counts: [], vector: undefined, list: [], listOps: 0 };
  parts.push(p);
  return p;
}

function addCount(p: ShopperPart, kind: string, ts: number): void {
  const field = `c:${kind}`;
  if (ts > p.maxTs) p.maxTs = ts;
  for (let i = 0; i < p.counts.length; i += 2) {
    if (p.counts[i] === field) {
      p.counts[i + 1] = String(Number(p.counts[i + 1]) + 1);
      return;
    }
  }
  p.counts.push(field, '1');
}

function addShopperUpdate(parts: ShopperPart[], u: UserUpdate): void {
  const p = partOf(parts, u.user);
  switch (u.op) {
    case 'user.push':
      if (u.ts > p.maxTs) p.maxTs = u.ts;
      p.list.push('p', `${u.ts} ${u.kind} ${u.item}`, String(u.ts), String(u.max));
      p.listOps++;
      return;
    case 'user.remove':
      p.list.push('r', u.item);
      p.listOps++;
      return;
    case 'user.purchase':
      p.list.push('b', u.item, String(u.max));
      p.listOps++;
      return;
    case 'user.count':
      addCount(p, u.kind, u.ts);
      return;
    case 'user.vector':
      // The array's bytes as they are in memory (little-endian on every platform Node runs on).
      p.vector = Buffer.from(u.vector.buffer, u.vector.byteOffset, u.vector.byteLength);
      return;
  }
}

function pushShopper(k: RedisKeys, call: ScriptCall, p: ShopperPart): void {
  call.keys.push(k.user(p.user), k.recent(p.user), k.bought(p.user));
  const { args } = call;
  args.push('U', isSession(p.user) ? '1' : '0', p.maxTs === -Infinity ? '' : String(p.maxTs), String(p.counts.length / 2));
  for (const c of p.counts) args.push(c);
  if (p.vector === undefined) args.push('0');
  else args.push('1', p.vector);
  args.push(String(p.listOps));
  for (const a of p.list) args.push(a);
}

/**
 * Appends one (validated) event to a script call. Updates of a shopper are gathered into one block
 * (lastTs is a max, counts are sums, the vector is the last one, list ops keep their order), which
 * is the same state as applying them one by one; item updates keep their order.
 */
export function encodeEvent(k: RedisKeys, call: ScriptCall, entry: EventUpdates): void {
  const { keys, args } = call;
  const keys0 = keys.length;
  keys.push(k.applied(entry.eventId));
  const head = args.length;
  args.push('E', '', '');
  let parts: ShopperPart[] | undefined;
  for (const u of entry.updates) {
    switch (u.op) {
      case 'item.trend':
        keys.push(k.trend(u.market), k.markets);
        args.push('t', u.market, u.item, String(Math.log2(u.weight) + u.ts / u.halfLifeMs));
        break;
      case 'item.cooc':
        keys.push(k.cooc(u.rel, u.a));
        args.push('o', u.b, String(-u.by), String(u.max));
        break;
      case 'query.click':
        keys.push(k.clicks(u.token));
        args.push('o', u.item, String(-u.by), String(u.max));
        break;
      case 'item.review':
        keys.push(k.stats(u.item));
        args.push('s', String(u.rating), String(u.sentiment));
        break;
      case 'item.put':
        keys.push(k.catalog);
        args.push('i', u.item.id, JSON.stringify(u.item));
        break;
      case 'item.delete':
        keys.push(k.catalog, k.markets);
        args.push('d', u.item);
        break;
      default:
        addShopperUpdate((parts ??= []), u);
    }
  }
  if (parts !== undefined) for (const p of parts) pushShopper(k, call, p);
  args[head + 1] = String(keys.length - keys0);
  args[head + 2] = String(args.length - head - 3);
}
