import type { CoocRelation, EventUpdates, Update } from '../../features/index.ts';
import type { UserUpdate } from '../../features/index.ts';

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
export interface ShopperPart {
  user: string;
  maxTs: number;
  counts: string[];
  vector: Buffer | undefined;
  /** List ops, each a letter and its arguments. */
  list: string[];
}

function partOf(parts: ShopperPart[], user: string): ShopperPart {
  for (const p of parts) if (p.user === user) return p;
  const p: ShopperPart = { user, maxTs: -Infinity, counts: [], vector: undefined, list: [] };
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

export function addShopperUpdate(parts: ShopperPart[], u: UserUpdate): void {
  const p = partOf(parts, u.user);
  switch (u.op) {
    case 'user.push':
      if (u.ts > p.maxTs) p.maxTs = u.ts;
      p.list.push('p', `${u.ts} ${u.kind} ${u.item}`, String(u.ts), String(u.max));
      return;
    case 'user.remove':
      p.list.push('r', u.item);
      return;
    case 'user.purchase':
      p.list.push('b', u.item, String(u.max));
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

export function pushShopper(k: RedisKeys, call: ScriptCall, p: ShopperPart): void {
  call.keys.push(k.user(p.user), k.recent(p.user), k.bought(p.user));
  const { args } = call;
  args.push('U', isSession(p.user) ? '1' : '0', p.maxTs === -Infinity ? '' : String(p.maxTs));
  for (let i = 0; i < p.counts.length; i += 2) args.push('c', p.counts[i] as string, p.counts[i + 1] as string);
  if (p.vector !== undefined) args.push('v', p.vector);
  for (const a of p.list) args.push(a);
}

type Cooc = Extract<Update, { op: 'item.cooc' }>;

/** The bump op of a count change: 'o' when `by` is whole (the script then compares scores as text), else 'O'. */
export const bumpOp = (by: number, whole: string, any: string): string => (Number.isSafeInteger(by) ? whole : any);

/** `u` followed by its mirror (b→a, same relation, weight and bound), as features write pairs. */
function mirrored(u: Update | undefined, m: Update | undefined): u is Cooc {
  return (
    u?.op === 'item.cooc' && m?.op === 'item.cooc' && m.a === u.b && m.b === u.a && m.rel === u.rel && m.by === u.by && m.max === u.max
  );
}

/**
 * Co-occurrence updates from `updates[at]`: a run of mirrored pairs around one item (a→p, p→a for
 * each partner p, as features write them) goes as one 'P' op that names the item, the weight and
 * the bound once, and that the script applies in the same order; anything else as one 'o' op.
 * Returns how many updates were encoded.
 */
function encodeCooc(k: RedisKeys, call: ScriptCall, updates: readonly Update[], at: number): number {
  const u = updates[at] as Cooc;
  let n = 0;
  for (let j = at; mirrored(updates[j], updates[j + 1]); j += 2) {
    const p = updates[j] as Cooc;
    if (p.a !== u.a || p.rel !== u.rel || p.by !== u.by || p.max !== u.max) break;
    n++;
  }
  if (n === 0) {
    call.keys.push(k.cooc(u.rel, u.a));
    call.args.push(bumpOp(u.by, 'o', 'O'), u.b, String(-u.by), String(u.max - 1));
    return 1;
  }
  call.keys.push(k.cooc(u.rel, u.a));
  call.args.push(bumpOp(u.by, 'P', 'Q'), u.a, String(-u.by), String(u.max - 1), String(n));
  for (let j = 0; j < n; j++) {
    const partner = (updates[at + 2 * j] as Cooc).b;
    call.keys.push(k.cooc(u.rel, partner));
    call.args.push(partner);
  }
  return 2 * n;
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
  const updates = entry.updates;
  for (let i = 0; i < updates.length; i++) {
    const u = updates[i] as Update;
    switch (u.op) {
      case 'item.trend':
        keys.push(k.trend(u.market), k.markets);
        args.push('t', u.market, u.item, String(Math.log2(u.weight) + u.ts / u.halfLifeMs));
        break;
      case 'item.cooc':
        i += encodeCooc(k, call, updates, i) - 1;
        break;
      case 'query.click':
        keys.push(k.clicks(u.token));
        args.push(bumpOp(u.by, 'o', 'O'), u.item, String(-u.by), String(u.max - 1));
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
