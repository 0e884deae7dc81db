import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterEach } from 'vitest';
import type { Access, Scope } from '../../src/access/index.ts';
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
 * The app over a fake engine, with an onRequest hook standing in for authentication: the
 * `x-test-key` and `x-test-tenant` headers become `request.access`.
 */
export async function limitedApp(rateLimit: RateLimitOptions): Promise<{ app: FastifyInstance; logs: Logged[] }> {
  const logs: Logged[] = [];
  const rec = (level: string) => (msg: string) => void logs.push({ level, msg });
  const logger: Logger = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error'), child: () => logger };
  const app = Fastify({ logger: false });
  app.addHook('onRequest', (req, _reply, done) => {
    const keyId = req.headers['x-test-key'];
    const tenant = req.headers['x-test-tenant'];
    if (typeof tenant === 'string') {
      const access: Access = { keyId: typeof keyId === 'string' ? keyId : undefined, tenant, scopes: new Set<Scope>(['search']) };
      (req as unknown as { access: Access }).access = access;
    }
    done();
  });
  await app.register(createApp, { engine: fakeEngine(), registry: new Registry(), instrumentation: createInstrumentation(), logger, rateLimit });
  await app.ready();
  open.push(app);
  return { app, logs };
}

/** GET /v1/trending as `key` of `tenant` (no headers: no access, as with authentication off). */
export function ask(app: FastifyInstance, key?: string, tenant = 'acme') {
  const headers: Record<string, string> = key === undefined ? {} : { 'x-test-key': key, 'x-test-tenant': tenant };
  return app.inject({ url: '/v1/trending?market=US', headers });
}
