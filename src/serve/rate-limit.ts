import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ANY_TENANT, type Access } from '../access/index.ts';
import { badRequest, type Logger } from '../core/index.ts';
import { errorBody } from './errors.ts';

/**
 * Request rates per API key and per tenant: one token bucket each, refilled at `ratePerSecond` up
 * to `burst` tokens; a request takes one token from its key's bucket and one from its tenant's, or
 * none when either is empty (then 429 rate_limited, with Retry-After). Without a key (authentication
 * off, loopback only) the client address stands in for the key. An operator's key (tenant `*`) has
 * no tenant bucket. Routes declared `config: { scope: 'public' }` (health probes) are not limited.
 *
 * The buckets are GCRA (each holds one number, the time it is full again), kept in a RateStore:
 * in process, or in Redis so that every replica takes from the same buckets.
 */
export interface BucketLimit {
  ratePerSecond: number;
  burst: number;
}

export interface RateLimitOptions {
  perKey: BucketLimit;
  perTenant: BucketLimit;
  /** Where the buckets live; in process when absent. The caller closes a store it opened. */
  store?: RateStore;
  /** Wall clock in ms; a test passes its own so it never sleeps. */
  now?: () => number;
}

/** A refusal: which bucket (0: the key's, 1: the tenant's) and how long until it has a token (ms). */
export interface Refusal {
  readonly bucket: 0 | 1;
  readonly waitMs: number;
}

/**
 * Buckets by name. `take` takes one token from `a` and, when `b` is given, one from `b`, both or
 * neither; `intervalMs` is the time one token takes to refill, `capacityMs` the burst times it.
 */
export interface RateStore {
  take(now: number, a: string, aIntervalMs: number, aCapacityMs: number, b?: string, bIntervalMs?: number, bCapacityMs?: number): Refusal | undefined | Promise<Refusal | undefined>;
}

/** Buckets kept in process at most; beyond it the full ones go, then the oldest (which then start full). */
export const MEMORY_BUCKETS_MAX = 100_000;

/** The in-process store: one number per bucket (when it is full again), full buckets forgotten. */
export function createMemoryRateStore({ maxBuckets = MEMORY_BUCKETS_MAX }: { maxBuckets?: number } = {}): RateStore {
  if (!Number.isInteger(maxBuckets) || maxBuckets < 1) throw badRequest('option_invalid', `maxBuckets must be an integer >= 1, got ${maxBuckets}`, 'maxBuckets');
  const full = new Map<string, number>();
  function sweep(now: number): void {
    for (const [k, at] of full) if (at <= now) full.delete(k);
    for (const k of full.keys()) {
      if (full.size < maxBuckets * 0.9) break;
      full.delete(k);
    }
  }
  return {
    take(now, a, ai, ac, b, bi = 0, bc = 0) {
      const ta = Math.max(full.get(a) ?? now, now) + ai;
      const tb = b === undefined ? now : Math.max(full.get(b) ?? now, now) + bi;
      const overA = ta - now - ac;
      const overB = b === undefined ? 0 : tb - now - bc;
      if (overA > 0 || overB > 0) return overA >= overB ? { bucket: 0, waitMs: overA } : { bucket: 1, waitMs: overB };
      if (full.size >= maxBuckets) sweep(now);
      full.set(a, ta);
      if (b !== undefined) full.set(b, tb);
      return undefined;
    },
  };
}

function checkLimit(name: string, l: BucketLimit): void {
  if (!(Number.isFinite(l.ratePerSecond) && l.ratePerSecond > 0)) throw badRequest('option_invalid', `${name}.ratePerSecond must be > 0, got ${l.ratePerSecond}`, `${name}.ratePerSecond`);
  if (!Number.isInteger(l.burst) || l.burst < 1) throw badRequest('option_invalid', `${name}.burst must be an integer >= 1, got ${l.burst}`, `${name}.burst`);
}

/** The 429 of a refusal: Retry-After in whole seconds (at least 1) and a message naming the limit. */
function refuse(reply: FastifyReply, r: Refusal, limits: readonly [BucketLimit, BucketLimit], byKey: boolean): void {
  const l = limits[r.bucket];
  const which = r.bucket === 1 ? "the tenant's" : byKey ? "the API key's" : "the client address's";
  void reply
    .status(429)
    .header('retry-after', String(Math.max(1, Math.ceil(r.waitMs / 1000))))
    .send(errorBody('rate_limited', `${which} rate limit (${l.ratePerSecond} requests/s, burst ${l.burst}) is spent; retry after the Retry-After seconds`));
}

/**
 * Adds the preHandler hook that takes each request's tokens (after authentication has set
 * `request.access`). A store that fails (Redis down or slow) lets the request through: the limits
 * protect capacity and are no access control, so an outage of the shared buckets must not become
 * an outage of the API. The first failure of an outage is logged, the rest are not.
 */
export function addRateLimits(app: FastifyInstance, options: RateLimitOptions, logger: Logger): void {
  const { perKey, perTenant } = options;
  checkLimit('perKey', perKey);
  checkLimit('perTenant', perTenant);
  const store = options.store ?? createMemoryRateStore();
  const now = options.now ?? Date.now;
  const limits = [perKey, perTenant] as const;
  const keyInterval = 1000 / perKey.ratePerSecond;
  const keyCapacity = keyInterval * perKey.burst;
  const tenantInterval = 1000 / perTenant.ratePerSecond;
  const tenantCapacity = tenantInterval * perTenant.burst;
  let failing = false;

  function failOpen(e: unknown, req: FastifyRequest): void {
    if (failing) return;
    failing = true;
    logger.warn('rate limits: the bucket store failed; requests pass unlimited until it answers', { reqId: req.id, err: e });
  }

  // Callback style: on the in-process store a request costs no promise.
  app.addHook('preHandler', (req, reply, done) => {
    if ((req.routeOptions.config as { scope?: unknown } | undefined)?.scope === 'public') return done();
    const access = (req as { access?: Access }).access;
    const keyId = access?.keyId;
    const tenant = access?.tenant ?? ANY_TENANT;
    // The tenant in braces: a request's buckets share a Redis Cluster hash slot.
    const a = keyId === undefined ? `{${tenant}}:ip:${req.ip}` : `{${tenant}}:key:${keyId}`;
    const b = tenant === ANY_TENANT ? undefined : `{${tenant}}:tenant`;
    const settle = (r: Refusal | undefined): void => {
      failing = false;
      if (r === undefined) return done();
      refuse(reply, r, limits, keyId !== undefined);
    };
    let out: ReturnType<RateStore['take']>;
    try {
      out = store.take(now(), a, keyInterval, keyCapacity, b, tenantInterval, tenantCapacity);
    } catch (e) {
      failOpen(e, req);
      return done();
    }
    if (out instanceof Promise) {
      out.then(settle, (e: unknown) => {
        failOpen(e, req);
        done();
      });
    } else {
      settle(out);
    }
  });
}
