import { Redis, ReplyError, type Cluster } from 'ioredis';
import type { ClientContext, Result } from 'ioredis';
import {
  badRequest,
  MeridianError,
  unavailable,
  type Instrumentation,
  type Logger,
  type Scored,
} from '../../core/index.ts';
import { redisKeys, type EncodeLimits, type RedisKeys } from './encode.ts';
import { standaloneWriter, type ApplyWriter } from './apply.ts';
import { clusterWriter, createClusterClient, isClusterUrl, parseClusterUrl } from './cluster.ts';
import { READ_USER_SCRIPT } from './scripts.ts';
import type { CatalogItem, ItemStats, RecentItem, UserState } from '../../features/index.ts';
import type { FeatureStore } from '../port.ts';
import { validateBatch } from '../../features/index.ts';

/*
 * The production feature store: one tenant's state in Redis.
 *
 * Writes. `apply` sends the whole batch as one pipeline (one round trip) of script calls, each
 * carrying up to EVENTS_PER_CALL events (redis-scripts.ts). For each event the script sets its
 * applied marker first (SET NX EX) and skips the event when it was there, then applies every update.
 * Redis runs a script to the end before serving anything else, so on one Redis node each event is
 * atomic and applied at most once, and other clients' commands interleave only between calls.
 * Redis does not roll a script back when a command inside it fails; `validateBatch` runs first, so
 * only a server fault (a key of the wrong type written by something else) can cut a call short, and
 * then the events before the fault stay applied (a retry skips them as duplicates).
 *
 * Reads are one round trip each: a shopper is one read script (hash and two lists, one slot), a set
 * of items one HMGET, a ranked list one ZRANGE, the applied markers of a batch one MGET. Every
 * structure is bounded: recent and purchased lists and counted neighbours by the `max` of their
 * updates, trending per market by `trendingMax`, applied markers and anonymous sessions by a TTL
 * (each event of a session refreshes it).
 *
 * Redis Cluster: `redis+cluster://[user:password@]host:port[,host:port…][/?prefix=<keyPrefix>]`
 * (`rediss+cluster://` for TLS; any reachable primaries, the client learns the rest). Keys carry hash
 * tags (redis-encode.ts): a shopper's, an item's, a market's and a token's keys each sit in one slot,
 * so every read is single-slot and routed to its node. One event's writes span several slots, which
 * no script can touch together, so redis-cluster.ts splits each event by hash tag into slot groups,
 * each with its own marker, and runs the same script once per slot (many events' groups per call).
 * What holds there: each slot group is atomic and applied at most once; the event as a whole is not
 * atomic (a reader may see the shopper's update before the items'). Once all of a batch's groups
 * landed, each event gets the marker `hasApplied` reads, and `apply` reports true for the call that
 * set it. A crash between groups leaves the event not applied: the redelivery recomputes it and runs
 * only the groups whose markers are missing, then marks it (so the event lands exactly once, though
 * its remaining groups are recomputed from the state the first groups left).
 */

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    /** READ_USER_SCRIPT: the hash as field, value pairs, then the recent and bought lists. */
    meridianFeatureUserBuffer(hash: string, recent: string, bought: string): Result<[Buffer[], Buffer[], Buffer[]], Context>;
  }
}

export interface RedisFeatureStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS). */
  url: string;
  tenant: string;
  /** First part of every key: `<keyPrefix>:<tenant>:…`. */
  keyPrefix?: string;
  logger: Logger;
  instrumentation: Instrumentation;
  /** Anonymous sessions (`s:` shoppers) expire this long after their last event. */
  sessionTtlSeconds?: number;
  /**
   * How long an event id is remembered for idempotency (redelivery and replay windows). Each id
   * costs about 150 bytes of Redis memory while remembered (Redis 7.0: key, value and TTL entry),
   * so at 1,000 events/s a 7-day window holds 600 million ids, about 90 GB: size it to the window
   * the deployment needs.
   */
  appliedIdTtlSeconds?: number;
  /** Most items kept in one market's trending set (the lowest scores go first). */
  trendingMax?: number;
  /** A command without an answer this long fails (a hung server must not hang the engine). */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Reconnection backs off exponentially up to this delay, and never gives up. */
  maxReconnectDelayMs?: number;
}

type Checked = Required<RedisFeatureStoreOptions>;

function checkOptions(o: RedisFeatureStoreOptions): Checked {
  const cluster = typeof o.url === 'string' && isClusterUrl(o.url) ? parseClusterUrl(o.url) : undefined;
  const c: Checked = {
    url: o.url,
    tenant: o.tenant,
    keyPrefix: o.keyPrefix ?? cluster?.keyPrefix ?? 'meridian',
    logger: o.logger,
    instrumentation: o.instrumentation,
    sessionTtlSeconds: o.sessionTtlSeconds ?? 30 * 86_400,
    appliedIdTtlSeconds: o.appliedIdTtlSeconds ?? 7 * 86_400,
    trendingMax: o.trendingMax ?? 100_000,
    commandTimeoutMs: o.commandTimeoutMs ?? 5_000,
    connectTimeoutMs: o.connectTimeoutMs ?? 5_000,
    maxReconnectDelayMs: o.maxReconnectDelayMs ?? 2_000,
  };
  if (typeof c.url !== 'string' || !/^rediss?(\+cluster)?:\/\//.test(c.url)) {
    throw badRequest('option_invalid', `url must start with redis://, rediss://, redis+cluster:// or rediss+cluster://, got "${redact(String(c.url))}"`, 'url');
  }
  for (const f of ['tenant', 'keyPrefix'] as const) {
    // A brace would move the hash tag of every key into the prefix.
    if (typeof c[f] !== 'string' || c[f] === '' || /[{}\s]/.test(c[f])) {
      throw badRequest('option_invalid', `${f} must be a non-empty string without braces or spaces, got "${c[f]}"`, f);
    }
  }
  for (const f of ['sessionTtlSeconds', 'appliedIdTtlSeconds', 'trendingMax'] as const) {
    if (!Number.isInteger(c[f]) || c[f] < 1) throw badRequest('option_invalid', `${f} must be an integer >= 1, got ${c[f]}`, f);
  }
  for (const f of ['commandTimeoutMs', 'connectTimeoutMs', 'maxReconnectDelayMs'] as const) {
    if (!Number.isFinite(c[f]) || c[f] <= 0) throw badRequest('option_invalid', `${f} must be a positive number of ms, got ${c[f]}`, f);
  }
  return c;
}

/** The URL without its password, for logs and errors. */
function redact(url: string): string {
  return url.replace(/^([^:]+:\/\/[^:@/]*):[^@/]*@/, '$1:***@');
}

/** Server replies that mean "not now" rather than "wrong". */
const RETRIABLE_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|OOM|NOREPLICAS)\b/;

function toMeridianError(e: unknown, op: string): MeridianError {
  if (e instanceof MeridianError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof ReplyError && !RETRIABLE_REPLY.test(msg)) {
    return new MeridianError('feature_store_failed', `redis ${op}: ${msg}`, { cause: e });
  }
  // Connection refused or lost, timed out, not ready: the same call succeeds once Redis is back.
  return unavailable('feature_store_unavailable', `redis ${op} failed: ${msg}`, e);
}

const closedError = (): MeridianError =>
  new MeridianError('feature_store_closed', 'the feature store is closed', { statusCode: 503 });

function toVector(b: Buffer): Float32Array {
  const out = new Float32Array(b.length >> 2);
  new Uint8Array(out.buffer).set(b.subarray(0, out.length << 2));
  return out;
}

function parseUser([h, recent, bought]: [Buffer[], Buffer[], Buffer[]]): UserState | undefined {
  if (h.length === 0 && recent.length === 0 && bought.length === 0) return undefined;
  const state: UserState = { recent: new Array<RecentItem>(recent.length), purchased: bought.map(String), counts: {}, vector: undefined, lastTs: 0 };
  for (let i = 0; i + 1 < h.length; i += 2) {
    const f = String(h[i]);
    const v = h[i + 1] as Buffer;
    if (f === 'v') state.vector = toVector(v);
    else if (f === 'ts') state.lastTs = Number(v.toString());
    else if (f.startsWith('c:')) state.counts[f.slice(2) as keyof UserState['counts']] = Number(v.toString());
  }
  for (let i = 0; i < recent.length; i++) {
    const e = String(recent[i]);
    const s1 = e.indexOf(' ');
    const s2 = e.indexOf(' ', s1 + 1);
    state.recent[i] = { item: e.slice(s2 + 1), type: e.slice(s1 + 1, s2) as RecentItem['type'], ts: Number(e.slice(0, s1)) };
  }
  return state;
}

function parseItem(json: string): CatalogItem {
  const item = JSON.parse(json) as Omit<CatalogItem, 'brand'> & { brand?: string };
  // JSON drops an undefined brand; readers see the same shape the memory adapter returns.
  return 'brand' in item ? (item as CatalogItem) : { ...item, brand: undefined };
}

/** ZRANGE … WITHSCORES of a negated-score set: ids with their scores, highest first. */
function parseScored(flat: string[]): Scored[] {
  const out = new Array<Scored>(flat.length >> 1);
  // 0 - x rather than -x: a stored 0 comes back as +0, never -0.
  for (let i = 0; i < out.length; i++) out[i] = { id: flat[2 * i] as string, score: 0 - Number(flat[2 * i + 1]) };
  return out;
}

/** The connection of one store; every call goes through `timed`, which refuses once closed. */
interface Conn {
  readonly client: Redis | Cluster;
  readonly instrumentation: Instrumentation;
  closed: boolean;
}

type Reads = Omit<FeatureStore, 'kind' | 'apply' | 'ping' | 'flush' | 'close'>;

function build(client: Redis | Cluster, k: RedisKeys, o: Checked, writer: ApplyWriter): FeatureStore {
  const c: Conn = { client, instrumentation: o.instrumentation, closed: false };
  return {
    kind: 'redis',
    async apply(batch) {
      if (c.closed) throw closedError();
      const invalid = validateBatch(batch);
      if (invalid !== undefined) throw invalid;
      if (batch.length === 0) return [];
      return timed(c, 'apply', () => writer.apply(batch));
    },
    ...reads(c, k, writer),
    async ping() {
      // Not ready (connecting, reconnecting, closed): answer at once instead of waiting.
      if (c.closed || client.status !== 'ready') return false;
      try {
        return (await timed(c, 'ping', () => client.ping())) === 'PONG';
      } catch {
        return false;
      }
    },
    async flush() {
      // Redis keeps the state (its own persistence settings decide how durably).
      if (c.closed) throw closedError();
    },
    async close() {
      if (c.closed) return;
      c.closed = true;
      if (client.status === 'ready') {
        try {
          await client.quit();
          return;
        } catch {
          // fall through: drop the connection
        }
      }
      client.disconnect();
    },
  };
}

/** One call to Redis, timed for the metrics, its failure as a MeridianError. */
async function timed<T>(c: Conn, op: string, run: () => Promise<T>): Promise<T> {
  if (c.closed) throw closedError();
  const t0 = performance.now();
  try {
    const v = await run();
    c.instrumentation.emit('service.call', { service: 'redis', op, ms: performance.now() - t0, ok: true });
    return v;
  } catch (e) {
    c.instrumentation.emit('service.call', { service: 'redis', op, ms: performance.now() - t0, ok: false });
    throw toMeridianError(e, op);
  }
}

/** The first `n` entries of a ranked list. */
async function top(c: Conn, op: string, key: string, n: number): Promise<Scored[]> {
  if (!(n >= 1)) return [];
  const stop = n === Infinity ? -1 : Math.floor(n) - 1;
  return parseScored(await timed(c, op, () => c.client.zrange(key, 0, stop, 'WITHSCORES')));
}

/** The read half of the store: one round trip per call. */
function reads(c: Conn, k: RedisKeys, writer: ApplyWriter): Reads {
  const { client } = c;
  return {
    async hasApplied(eventId) {
      return (await timed(c, 'hasApplied', () => client.exists(k.applied(eventId)))) === 1;
    },
    async hasAppliedEach(eventIds) {
      if (eventIds.length === 0) return [];
      return timed(c, 'hasApplied', () => writer.hasAppliedEach(eventIds));
    },
    async getUser(user) {
      const res = await timed(c, 'getUser', () => client.meridianFeatureUserBuffer(k.user(user), k.recent(user), k.bought(user)));
      return parseUser(res);
    },
    async getUsers(users) {
      if (users.length === 0) return [];
      // Issued together, so the round trips overlap (a cluster client pipelines them per node).
      const read = (u: string): Promise<[Buffer[], Buffer[], Buffer[]]> => client.meridianFeatureUserBuffer(k.user(u), k.recent(u), k.bought(u));
      const res = await timed(c, 'getUsers', () => Promise.all(users.map(read)));
      return res.map(parseUser);
    },
    async getItem(id) {
      const json = await timed(c, 'getItem', () => client.hget(k.catalog, id));
      return json === null ? undefined : parseItem(json);
    },
    async getItems(ids) {
      if (ids.length === 0) return [];
      const list = await timed(c, 'getItems', () => client.hmget(k.catalog, ...ids));
      return list.map((json) => (json === null ? undefined : parseItem(json)));
    },
    allItems: () => allItems(c, k),
    async itemCount() {
      return timed(c, 'itemCount', () => client.hlen(k.catalog));
    },
    async getItemStats(id): Promise<ItemStats | undefined> {
      const [n, r, s] = await timed(c, 'getItemStats', () => client.hmget(k.stats(id), 'n', 'r', 's'));
      if (n === null || n === undefined) return undefined;
      return { ratingCount: Number(n), ratingSum: Number(r), sentimentSum: Number(s) };
    },
    topTrending: (market, n) => top(c, 'topTrending', k.trend(market), n),
    topCooc: (rel, item, n) => top(c, 'topCooc', k.cooc(rel, item), n),
    topQueryClicks: (token, n) => top(c, 'topQueryClicks', k.clicks(token), n),
  };
}

/** The catalog, 500 entries per round trip. */
async function* allItems(c: Conn, k: RedisKeys): AsyncGenerator<CatalogItem> {
  // HSCAN may return an entry twice (while the hash grows); `seen` keeps each item once.
  const seen = new Set<string>();
  let cursor = '0';
  do {
    const [next, flat] = await timed(c, 'allItems', () => c.client.hscan(k.catalog, cursor, 'COUNT', 500));
    cursor = next;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const id = flat[i] as string;
      if (seen.has(id)) continue;
      seen.add(id);
      yield parseItem(flat[i + 1] as string);
    }
  } while (cursor !== '0');
}

/**
 * Connects to Redis and returns one tenant's feature store. Fails with `feature_store_unavailable`
 * when Redis cannot be reached at start; once connected, a lost connection is re-established
 * automatically, and calls made meanwhile fail fast with that retriable error.
 */
export async function openRedisFeatureStore(opts: RedisFeatureStoreOptions): Promise<FeatureStore> {
  const o = checkOptions(opts);
  const logger = o.logger;
  const connectionName = `meridian-features-${o.tenant}`;
  const cluster = isClusterUrl(o.url) ? createClusterClient(parseClusterUrl(o.url), { ...o, connectionName }) : undefined;
  const client = cluster ?? new Redis(o.url, {
    lazyConnect: true,
    // Fail fast during an outage instead of queueing: the caller retries (the bus redelivers).
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: o.connectTimeoutMs,
    commandTimeout: o.commandTimeoutMs,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 16), o.maxReconnectDelayMs),
    connectionName,
  });
  client.defineCommand('meridianFeatureUser', { lua: READ_USER_SCRIPT, numberOfKeys: 3, readOnly: true });
  // One warning per outage, not one per reconnection attempt.
  let down = false;
  client.on('error', (e: Error) => {
    if (down) return;
    down = true;
    logger.warn('redis feature store: connection lost, reconnecting', { url: redact(o.url), err: e });
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info('redis feature store: reconnected', { url: redact(o.url) });
  });
  try {
    await client.connect();
  } catch (e) {
    client.disconnect();
    throw unavailable('feature_store_unavailable', `cannot reach redis at ${redact(o.url)}: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  down = false;
  logger.info('redis feature store connected', { url: redact(o.url), tenant: o.tenant, keyPrefix: o.keyPrefix, cluster: cluster !== undefined });
  const k = redisKeys(o.keyPrefix, o.tenant);
  const lim: EncodeLimits = { appliedIdTtlSeconds: o.appliedIdTtlSeconds, sessionTtlSeconds: o.sessionTtlSeconds, trendingMax: o.trendingMax };
  const writer = cluster !== undefined ? clusterWriter(cluster, k, lim) : standaloneWriter(client as Redis, k, lim);
  return build(client, k, o, writer);
}
