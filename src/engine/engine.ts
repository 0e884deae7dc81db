import type { Instrumentation, Logger } from '../core/index.ts';
import type { DeadLetterSink, EventBus } from '../ingest/index.ts';
import type { ContentEncoder, Tenants, UserEncoder } from '../online/index.ts';
import type { LearnedBlend } from '../registry/index.ts';
import { createIngest } from './ingest.ts';
import { createRecommender } from './recommend.ts';
import { createSearcher } from './search.ts';
import type { Engine, Readiness } from './types.ts';

export interface EngineDeps {
  tenants: Tenants;
  bus: EventBus;
  deadLetters: DeadLetterSink;
  encoder: UserEncoder;
  content: ContentEncoder;
  instrumentation: Instrumentation;
  logger: Logger;
  /** The model version in service; read per request so a swap shows at once. */
  modelVersion?: () => string;
  /** The learned component's tuned weight and cut in service (absent: the raw cosine, as without a model). */
  learnedBlend?: () => LearnedBlend | undefined;
  /** Named readiness checks (bus, stores); each resolves true when its service answers. */
  checks?: Record<string, () => Promise<boolean>>;
}

/** The engine behind the API: ingest, recommendations and search over the tenants' stores and indexes. */
export function createEngine(deps: EngineDeps): Engine {
  const modelVersion = deps.modelVersion ?? (() => `${deps.content.name}+${deps.encoder.name}`);
  const ingest = createIngest(deps);
  const rec = createRecommender({ encoder: deps.encoder, instrumentation: deps.instrumentation, modelVersion, learnedBlend: deps.learnedBlend });
  const search = createSearcher({ ...deps, modelVersion });
  const checks = deps.checks ?? {};

  return {
    ingest,
    recommend: async (q) => rec.recommend(await deps.tenants.get(q.tenant), q),
    similar: async (id, q) => rec.similar(await deps.tenants.get(q.tenant), id, q),
    boughtTogether: async (id, q) => rec.boughtTogether(await deps.tenants.get(q.tenant), id, q),
    trending: async (q) => rec.trending(await deps.tenants.get(q.tenant), q),
    search: async (q) => search(await deps.tenants.get(q.tenant), q),
    async ready(): Promise<Readiness> {
      const names = Object.keys(checks);
      const values = await Promise.all(
        names.map(async (n) => {
          try {
            return await (checks[n] as () => Promise<boolean>)();
          } catch {
            return false;
          }
        }),
      );
      const out: Record<string, boolean> = {};
      names.forEach((n, i) => (out[n] = values[i] === true));
      return { ok: values.every((v) => v === true), checks: out };
    },
    modelVersion,
    async close() {
      await deps.tenants.close();
    },
  };
}
