import type { Instrumentation, Logger } from '../core/index.ts';
import type { DeadLetterSink } from '../dead-letters/index.ts';
import type { EventBus } from '../bus/index.ts';
import type { EventTimeWindow } from '../ingest/index.ts';
import type { ContentEncoder, UserEncoder } from '../models/index.ts';
import type { ListSubject, TenantContext, Tenants } from '../online/index.ts';
import type { LearnedBlend } from '../registry/index.ts';
import { createIngest } from './ingest.ts';
import { createRecommender, shopperOf } from './recommend.ts';
import { createSearcher } from './search.ts';
import type { Engine, ItemList, ListQuery, Readiness } from './types.ts';

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
  /** Event times ingest accepts, measured from `now` (defaults: DEFAULT_EVENT_TIME_WINDOW, the wall clock). */
  eventTime?: Readonly<EventTimeWindow>;
  now?: () => number;
  /** Named readiness checks (bus, stores); each resolves true when its service answers. */
  checks?: Record<string, () => Promise<boolean>>;
}

/**
 * What a list depends on besides the stores, the shopper and the model: the key it is kept under.
 * JSON of the fields in a fixed order, so no two different requests share a key whatever their
 * strings hold (a category or an id may contain any separator a join would use).
 */
function listKey(kind: string, q: ListQuery, ...subject: (string | undefined)[]): string {
  return JSON.stringify([kind, q.market, q.locale ?? null, q.k, q.category ?? null, q.priceMin ?? null, q.priceMax ?? null, ...subject.map((s) => s ?? null)]);
}

/** The engine behind the API: ingest, recommendations and search over the tenants' stores and indexes. */
export function createEngine(deps: EngineDeps): Engine {
  const modelVersion = deps.modelVersion ?? (() => `${deps.content.name}+${deps.encoder.name}`);
  const ingest = createIngest(deps);
  const rec = createRecommender({ encoder: deps.encoder, instrumentation: deps.instrumentation, modelVersion, learnedBlend: deps.learnedBlend });
  const search = createSearcher({ ...deps, modelVersion });
  const checks = deps.checks ?? {};

  /** The tenant's kept list under `key`, or the one `compute` gives (kept when the tenant keeps lists). */
  async function kept(tenant: string, key: string, about: ListSubject, compute: (ctx: TenantContext) => Promise<ItemList>): Promise<ItemList> {
    const ctx = await deps.tenants.get(tenant);
    if (ctx.lists === undefined) return compute(ctx);
    return ctx.lists.get(key, about, modelVersion(), () => compute(ctx));
  }

  return {
    ingest,
    recommend: (q) => {
      const shopper = shopperOf(q);
      return kept(q.tenant, listKey('r', q, shopper, q.exclude.join(',')), { shopper }, (ctx) => rec.recommend(ctx, q));
    },
    similar: (id, q) => kept(q.tenant, listKey('s', q, id), { item: id }, (ctx) => rec.similar(ctx, id, q)),
    boughtTogether: (id, q) => kept(q.tenant, listKey('b', q, id), { item: id }, (ctx) => rec.boughtTogether(ctx, id, q)),
    trending: (q) => kept(q.tenant, listKey('t', q), {}, (ctx) => rec.trending(ctx, q)),
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
