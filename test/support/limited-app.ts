import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterEach } from 'vitest';
import type { Access, Keyring, Scope } from '../../src/access/index.ts';
import { createInstrumentation, type Logger } from '../../src/core/index.ts';
import { createApp, type RateLimitOptions } from '../../src/serve/index.ts';
import { fakeEngine } from './build.ts';

/** A clock the test moves by hand. */
export function manualClock(start = Date.UTC(2026, 0, 1)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

export interface Logged {
  level: string;
  msg: string;
}

const open: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
});

/**
 * A keyring over no store: a presented `test:<id>:<tenant>` is that key of that tenant with the
 * `search` scope, anything else is refused. The real auth hook runs over it.
 */
const testKeys = {
  authenticate(presented: string): Access | undefined {
    const m = /^test:([^:]+):(.+)$/.exec(presented);
    return m === null ? undefined : { keyId: m[1], tenant: m[2] ?? '', scopes: new Set<Scope>(['search']) };
  },
} as unknown as Keyring;

/**
 * The app over a fake engine, with keys (`ask` presents one) or with authentication off, where
 * nothing names a key and the client address is limited.
 */
export async function limitedApp(rateLimit: RateLimitOptions, auth: 'keys' | 'off' = 'keys'): Promise<{ app: FastifyInstance; logs: Logged[] }> {
  const logs: Logged[] = [];
  const rec = (level: string) => (msg: string) => void logs.push({ level, msg });
  const logger: Logger = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error'), child: () => logger };
  const app = Fastify({ logger: false });
  await app.register(createApp, {
    engine: fakeEngine(),
    registry: new Registry(),
    instrumentation: createInstrumentation(),
    logger,
    rateLimit,
    auth: auth === 'off' ? { mode: 'off' } : { mode: 'keys', keys: testKeys },
  });
  await app.ready();
  open.push(app);
  return { app, logs };
}

/** GET /v1/trending as `key` of `tenant`, or with no key (for an app with authentication off). */
export function ask(app: FastifyInstance, key?: string, tenant = 'acme') {
  const headers: Record<string, string> = key === undefined ? {} : { authorization: `Bearer test:${key}:${tenant}` };
  return app.inject({ url: '/v1/trending?market=US', headers });
}
