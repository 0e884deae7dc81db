import { afterEach } from 'vitest';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { createInstrumentation, type Instrumentation, type Logger } from '../../src/core/index.ts';
import type {
  Engine,
  IngestResult,
  ItemList,
  ListQuery,
  Readiness,
  RecommendQuery,
  SearchQuery,
} from '../../src/engine/index.ts';
import { buildServer, type AppDeps } from '../../src/serve/index.ts';

/** A call the fake engine received. */
export type Call =
  | { method: 'ingest'; raw: readonly unknown[]; source: string }
  | { method: 'recommend'; q: RecommendQuery }
  | { method: 'similar' | 'boughtTogether'; itemId: string; q: ListQuery }
  | { method: 'trending'; q: ListQuery }
  | { method: 'search'; q: SearchQuery };

export const LIST: ItemList = {
  items: [
    { id: 'sku-1', title: 'Trail shoe', category: 'shoes', brand: 'Acme', price: { amount: 89.5, currency: 'EUR' }, score: 0.9, reason: 'personalized' },
    { id: 'sku-2', title: 'Rain jacket', category: 'outerwear', price: { amount: 120, currency: 'EUR' }, score: 0.5, reason: 'trending' },
  ],
  model: 'v-test',
};

export interface FakeEngine extends Engine {
  calls: Call[];
  readiness: Readiness;
  /** When set, every list call rejects with it. */
  failWith: unknown;
}

/** Records calls and answers fixed lists. `ingest` rejects objects with `bad: true` and reports `dup: true` as duplicates. */
export function fakeEngine(): FakeEngine {
  const calls: Call[] = [];
  const engine: FakeEngine = {
    calls,
    readiness: { ok: true, checks: { bus: true, store: true } },
    failWith: undefined,
    async ingest(raw, source) {
      calls.push({ method: 'ingest', raw, source });
      return raw.map((e, index): IngestResult => {
        const o = (typeof e === 'object' && e !== null ? e : {}) as { id?: unknown; bad?: unknown; dup?: unknown };
        const id = typeof o.id === 'string' ? o.id : undefined;
        if (o.bad === true) {
          return { index, id, status: 'rejected', reason: 'invalid_field', errors: [{ field: 'bad', rule: 'additionalProperties', message: 'bad: Unexpected property' }] };
        }
        return { index, id, status: o.dup === true ? 'duplicate' : 'accepted' };
      });
    },
    async recommend(q) {
      calls.push({ method: 'recommend', q });
      return answer();
    },
    async similar(itemId, q) {
      calls.push({ method: 'similar', itemId, q });
      return answer();
    },
    async boughtTogether(itemId, q) {
      calls.push({ method: 'boughtTogether', itemId, q });
      return answer();
    },
    async trending(q) {
      calls.push({ method: 'trending', q });
      return answer();
    },
    async search(q) {
      calls.push({ method: 'search', q });
      return answer();
    },
    async ready() {
      return engine.readiness;
    },
    modelVersion: () => 'v-test',
    async close() {},
  };
  function answer(): ItemList {
    if (engine.failWith !== undefined) throw engine.failWith;
    return LIST;
  }
  return engine;
}

export interface Built {
  app: FastifyInstance;
  engine: FakeEngine;
  registry: Registry;
  instrumentation: Instrumentation;
  logs: { level: string; msg: string; fields: Record<string, unknown> | undefined }[];
}

/** A logger that keeps what it is told, so tests can see what reaches the log. */
function recordingLogger(logs: Built['logs']): Logger {
  const rec = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    logs.push({ level, msg, fields });
  };
  const logger: Logger = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error'), child: () => logger };
  return logger;
}

const open: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
});

/** A server over a fake engine with a fresh registry; closed after the test. */
export async function build(overrides: Partial<Pick<AppDeps, 'limits' | 'tenantDefault' | 'auth' | 'opsRoutes' | 'playgroundKey'>> = {}): Promise<Built> {
  const engine = fakeEngine();
  const registry = new Registry();
  const instrumentation = createInstrumentation();
  const logs: Built['logs'] = [];
  const app = await buildServer({
    engine,
    registry,
    instrumentation,
    logger: recordingLogger(logs),
    auth: { mode: 'off' },
    ...overrides,
  });
  open.push(app);
  return { app, engine, registry, instrumentation, logs };
}
