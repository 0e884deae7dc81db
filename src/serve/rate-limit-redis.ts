import { Redis, type ClientContext, type Result } from 'ioredis';
import type { Logger } from '../core/index.ts';
import type { RateStore, Refusal } from './rate-limit.ts';

/**
 * Rate-limit buckets in Redis, shared by every replica on it: one script call per request takes
 * the key's and the tenant's tokens together (both or neither), so replicas cannot overspend a
 * bucket between a read and a write. A bucket is one key, `<prefix>:rl:{<tenant>}:key:<id>` (or
 * `…:ip:<address>`, `…:tenant`), holding the time in ms it is full again and expiring then.
 * The time comes from the caller, so replicas' clocks should agree to well under a token's interval.
 */
export const TAKE_SCRIPT = `
local now = tonumber(ARGV[1])
local at = {}
local worst, wait = 0, 0
for i = 1, #KEYS do
  local t = tonumber(redis.call('GET', KEYS[i]) or '0')
  if t < now then t = now end
  t = t + tonumber(ARGV[2 * i])
  at[i] = t
  local over = t - now - tonumber(ARGV[2 * i + 1])
  if over > wait then worst, wait = i, over end
end
if worst > 0 then return {worst, math.ceil(wait)} end
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], string.format('%.3f', at[i]), 'PX', tostring(math.max(1, math.ceil(at[i] - now))))
end
return {0, 0}
`;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    /** TAKE_SCRIPT: [0, 0] when taken; [i, ms] when bucket i (1-based) refused, with the wait. */
    meridianRateTake(numKeys: number, ...args: (string | number)[]): Result<[number, number], Context>;
  }
}

export interface RedisRateStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`. */
  url: string;
  /** First part of every key (the feature store's, `meridian`, by default). */
  keyPrefix?: string;
  /** A take without an answer this long fails (and the request passes). */
  commandTimeoutMs?: number;
  logger: Logger;
}

export interface RedisRateStore extends RateStore {
  close(): Promise<void>;
}

const REFUSED_BY = [undefined, 0, 1] as const;

/**
 * A connection of its own to the feature store's Redis, failing fast during an outage (no offline
 * queue, no retries: the limiter lets requests through meanwhile) and reconnecting by itself.
 */
export async function openRedisRateStore(o: RedisRateStoreOptions): Promise<RedisRateStore> {
  const prefix = `${o.keyPrefix ?? 'meridian'}:rl:`;
  const client = new Redis(o.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: 5_000,
    commandTimeout: o.commandTimeoutMs ?? 250,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 16), 2_000),
    connectionName: 'meridian-rate-limits',
  });
  client.defineCommand('meridianRateTake', { lua: TAKE_SCRIPT });
  let down = false;
  client.on('error', (e: Error) => {
    if (down) return;
    down = true;
    o.logger.warn('redis rate limits: connection lost, reconnecting (requests pass unlimited meanwhile)', { err: e.message });
  });
  client.on('ready', () => {
    if (down) o.logger.info('redis rate limits: reconnected');
    down = false;
  });
  try {
    await client.connect();
  } catch (e) {
    // Not fatal: the API serves, unlimited, until Redis answers.
    o.logger.warn('redis rate limits: cannot connect now; requests pass unlimited until it answers', { err: e instanceof Error ? e.message : String(e) });
  }
  return {
    async take(now, a, ai, ac, b, bi, bc): Promise<Refusal | undefined> {
      const reply = b === undefined
        ? await client.meridianRateTake(1, prefix + a, now, ai, ac)
        : await client.meridianRateTake(2, prefix + a, prefix + b, now, ai, ac, bi ?? 0, bc ?? 0);
      const bucket = REFUSED_BY[reply[0] as 0 | 1 | 2];
      return bucket === undefined ? undefined : { bucket, waitMs: reply[1] };
    },
    async close() {
      client.disconnect();
    },
  };
}
