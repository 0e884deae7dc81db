import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { readEventLog, type MeridianEvent } from '../../src/ingest/index.ts';
import { createRuntime, type Runtime } from '../../src/main/index.ts';
import { buildServer } from '../../src/serve/index.ts';

/** An engine on in-memory adapters (no snapshot, no chDB) behind the real HTTP app. */
export async function startEngine(overrides: Record<string, unknown> = {}): Promise<{
  rt: Runtime;
  app: FastifyInstance;
  close: () => Promise<void>;
}> {
  const config: Readonly<Config> = loadConfig({
    env: {},
    overrides: {
      featureStore: 'memory:',
      eventStore: 'memory:',
      deadLetters: 'memory:',
      demo: { enabled: false },
      ...overrides,
    },
  });
  // The registry is followed only when a test names its own modelDir: a model trained in the
  // working directory's .data/models must not change other tests' answers.
  const rt = await createRuntime(config, { logger: silentLogger, followModels: 'modelDir' in overrides });
  const app = await buildServer({ engine: rt.engine, registry: rt.registry, instrumentation: rt.instrumentation, logger: silentLogger, auth: { mode: 'off' } });
  return {
    rt,
    app,
    close: async () => {
      await app.close();
      await rt.close();
    },
  };
}

/** Posts events through the API in batches; returns how many were accepted. */
export async function post(app: FastifyInstance, events: readonly unknown[], batch = 500): Promise<number> {
  let accepted = 0;
  for (let i = 0; i < events.length; i += batch) {
    const res = await app.inject({ method: 'POST', url: '/v1/events', payload: events.slice(i, i + batch) as object[] });
    if (res.statusCode >= 300) throw new Error(`POST /v1/events answered ${res.statusCode}: ${res.body}`);
    accepted += (res.json() as { accepted: number }).accepted;
  }
  return accepted;
}

/** Replays an NDJSON log through the API, as `meridian replay` does through the pipeline. */
export async function replayLog(app: FastifyInstance, path: string): Promise<number> {
  const events: MeridianEvent[] = [];
  for await (const line of readEventLog(path)) {
    if (!line.result.ok) throw new Error(`fixture line ${line.line} is invalid`);
    events.push(line.result.event);
  }
  return post(app, events);
}

export async function getJson<T = unknown>(app: FastifyInstance, url: string): Promise<T> {
  const res = await app.inject({ method: 'GET', url });
  if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}: ${res.body}`);
  return res.json() as T;
}

export interface ListBody {
  items: { id: string; title: string; category: string; price: { amount: number; currency: string }; score: number; reason: string }[];
  model: string;
}
