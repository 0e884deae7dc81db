import { Cluster, Redis } from 'ioredis';
import { MeridianError, unavailable, type Logger } from '../core/index.ts';
import type { KeyRecord, KeyStore } from './keys.ts';

/*
 * Keys in Redis: one hash `<prefix>:access:keys`, field = key id, value = the record as JSON. Every
 * replica reads the same hash. A record read is kept at most `cacheMs` (≤ 1 s), so a key revoked on
 * one replica is refused by every other within that time, while a busy key costs one Redis read per
 * `cacheMs` per replica, not one per request. Unknown ids are never cached: a new key works at once.
 */

export interface RedisKeyStoreOptions {
  /** `redis://…`, `rediss://…`, `redis+cluster://host:port[,host:port…][/?prefix=…]` (the feature store's URL). */
  url: string;
  /** First part of the key: `<keyPrefix>:access:keys`; default the cluster URL's prefix, else `meridian`. */
  keyPrefix?: string;
  logger: Logger;
  /** How long a record read is trusted (ms, 0 to 1000). */
  cacheMs?: number;
  now?: () => number;
  commandTimeoutMs?: number;
}

/** Records kept at most; past it the cache starts over (only keys in use are ever cached). */
const CACHE_MAX = 10_000;

interface ClusterTarget {
  nodes: { host: string; port: number }[];
  username?: string | undefined;
  password?: string | undefined;
  tls: boolean;
  prefix?: string | undefined;
}

function parseCluster(url: string): ClusterTarget {
  const m = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?]+)\/?(?:\?(.*))?$/.exec(url);
  if (m === null) throw new MeridianError('config_invalid', 'key store: malformed redis+cluster:// URL');
  const [, scheme, auth, hosts, query] = m;
  const nodes = (hosts as string).split(',').map((hp) => {
    const i = hp.lastIndexOf(':');
    return i < 0 ? { host: hp, port: 6379 } : { host: hp.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(hp.slice(i + 1)) };
  });
  const colon = auth === undefined ? -1 : auth.indexOf(':');
  return {
    nodes,
    username: auth === undefined ? undefined : decodeURIComponent(colon < 0 ? auth : auth.slice(0, colon)) || undefined,
    password: auth === undefined || colon < 0 ? undefined : decodeURIComponent(auth.slice(colon + 1)),
    tls: scheme === 'rediss',
    prefix: new URLSearchParams(query ?? '').get('prefix') ?? undefined,
  };
}

function connect(url: string, commandTimeoutMs: number): { client: Redis | Cluster; prefix?: string | undefined } {
  const common = { connectTimeout: 5_000, commandTimeout: commandTimeoutMs, maxRetriesPerRequest: 0, connectionName: 'meridian-keys' };
  if (!/^rediss?\+cluster:\/\//.test(url)) {
    return { client: new Redis(url, { ...common, lazyConnect: true, enableOfflineQueue: false, retryStrategy: (n) => Math.min(50 * 2 ** Math.min(n, 6), 2_000) }) };
  }
  const c = parseCluster(url);
  const client = new Cluster(c.nodes, {
    lazyConnect: true,
    enableOfflineQueue: false,
    redisOptions: { ...common, username: c.username, password: c.password, ...(c.tls ? { tls: {} } : {}) },
  });
  return { client, prefix: c.prefix };
}

const failed = (op: string, e: unknown): MeridianError =>
  e instanceof MeridianError ? e : unavailable('key_store_unavailable', `the key store (Redis) did not answer ${op}`, e);

export async function openRedisKeyStore(opts: RedisKeyStoreOptions): Promise<KeyStore> {
  const { url, logger, cacheMs = 500, now = Date.now, commandTimeoutMs = 2_000 } = opts;
  if (!Number.isInteger(cacheMs) || cacheMs < 0 || cacheMs > 1_000) {
    throw new MeridianError('option_invalid', `cacheMs must be an integer in [0, 1000], got ${cacheMs}`);
  }
  const { client, prefix } = connect(url, commandTimeoutMs);
  client.on('error', (err: unknown) => logger.debug('key store connection error', { err }));
  try {
    await client.connect();
  } catch (e) {
    client.disconnect();
    throw failed('connect', e);
  }
  const hash = `${opts.keyPrefix ?? prefix ?? 'meridian'}:access:keys`;
  const cache = new Map<string, { record: KeyRecord; at: number }>();
  const parse = (id: string, json: string | null): KeyRecord | undefined => {
    if (json === null) return undefined;
    try {
      const record = JSON.parse(json) as KeyRecord;
      if (cacheMs > 0) {
        if (cache.size >= CACHE_MAX) cache.clear();
        cache.set(id, { record, at: now() });
      }
      return record;
    } catch {
      logger.warn('key record unreadable; refused', { id });
      return undefined;
    }
  };
  const call = async <T>(op: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (e) {
      throw failed(op, e);
    }
  };
  return {
    kind: 'redis',
    get(id) {
      const hit = cache.get(id);
      if (hit !== undefined && now() - hit.at < cacheMs) return hit.record;
      cache.delete(id);
      return call('get', () => client.hget(hash, id)).then((json) => parse(id, json));
    },
    async put(record) {
      await call('put', () => client.hset(hash, record.id, JSON.stringify(record)));
    },
    async delete(id) {
      cache.delete(id);
      return (await call('delete', () => client.hdel(hash, id))) === 1;
    },
    async list() {
      const all = await call('list', () => client.hgetall(hash));
      const out: KeyRecord[] = [];
      for (const json of Object.values(all)) {
        try {
          out.push(JSON.parse(json) as KeyRecord);
        } catch {
          // an unreadable record is no key
        }
      }
      return out;
    },
    async close() {
      cache.clear();
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}
