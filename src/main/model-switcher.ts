import { createPacer, silentLogger, type Logger } from '../core/index.ts';
import type { VectorEntry, VectorIndex } from '../index/index.ts';
import type { ContentEncoder, UserEncoder } from '../models/index.ts';
import type { TenantContext, Tenants } from '../online/index.ts';
import { modelEncoders, type LearnedBlend, type LoadedModel, type ModelEncoders, type ModelRegistry } from '../registry/index.ts';
import { DEFAULT_PARAMS, type ModelParams } from '../models/index.ts';

/**
 * Serving's view of the model registry. `content` and `encoder` are stable objects that delegate to
 * the model in service, so the engine, the online updater and new tenants pick up a swap without
 * being rebuilt. Adopting a version loads it and builds every tenant's new vector index in the
 * background (the graphs in a worker thread where the index can, encoding on this thread between
 * requests); then, in one synchronous step, the tenants' indexes, the
 * encoders and the version change together. A request holds the index it read, so one in flight
 * finishes on the old one.
 *
 * The version's tuned ranking (the sequence model's parameters and the learned component's weight
 * and cut) changes in that same step. The parameters object is kept as read, so it stays the same
 * object for as long as the version is in service: the online sequence model rebuilds its blend
 * only when it changes.
 *
 * Shopper vectors written under the previous model stay in the feature store; the decay mix moves
 * each one into the new space as that shopper's next events arrive.
 */
export interface ModelSwitcher {
  readonly content: ContentEncoder;
  readonly encoder: UserEncoder;
  /** The version in service: a registry version id, or the built-in encoders' names. */
  version(): string;
  /** When the version in service was published (ms since epoch); undefined for the built-in encoders. */
  createdAt(): number | undefined;
  /** The sequence model's parameters in service: the version's tuned ones, else DEFAULT_PARAMS. */
  sequenceParams(): ModelParams;
  /** The learned component's weight and cut in the recommendation blend; undefined when the version has none (or before any). */
  learnedBlend(): LearnedBlend | undefined;
  /** Loads `version` and swaps to it once every tenant's index is rebuilt; adoptions run one at a time. */
  adopt(version: string): Promise<void>;
  /** Follows the registry's active version; returns the function that stops following. */
  follow(opts?: { intervalMs?: number }): () => void;
  /** Resolves when no adoption is running or queued. */
  idle(): Promise<void>;
}

export interface ModelSwitcherOptions {
  registry: ModelRegistry;
  /** Tenants whose indexes are rebuilt on a swap; a getter, since tenants are built with this switcher's encoders. */
  tenants: () => Tenants;
  makeVectors: (tenant: string) => VectorIndex;
  /** The built-in encoders, in service until a version is adopted. */
  defaults: { content: ContentEncoder; encoder: UserEncoder };
  logger?: Logger;
  /**
   * Work (ms) between yields to the event loop while rebuilding: an HNSW insert costs about 1 ms at
   * 20k items here, so a count of items would hold requests back for far longer as the index grows.
   */
  sliceMs?: number;
}

/** The model in service, with its tuned ranking. */
interface InService {
  version: string;
  content: ContentEncoder;
  encoder: UserEncoder;
  params: ModelParams;
  learned?: LearnedBlend;
  createdAt?: number;
}

/** Encoders that delegate to the model in service, as `current()` reads it at every call. */
function delegatingEncoders(current: () => InService, dim: number): { content: ContentEncoder; encoder: UserEncoder } {
  const content: ContentEncoder = {
    get name() {
      return current().content.name;
    },
    dim,
    encode: (item) => current().content.encode(item),
  };
  const encoder: UserEncoder = {
    get name() {
      return current().encoder.name;
    },
    dim,
    step: (state, item, type, dtMs) => current().encoder.step(state, item, type, dtMs),
    query: (state) => current().encoder.query(state),
  };
  return { content, encoder };
}

/** What rebuilding a tenant's index needs. */
interface Rebuild {
  makeVectors: (tenant: string) => VectorIndex;
  logger: Logger;
  /** Yields to requests once `sliceMs` of work has run since the last yield. */
  pace: () => Promise<void>;
}

/** A tenant's index under a new model and the ids put into it. */
interface Rebuilt {
  ctx: TenantContext;
  next: VectorIndex;
  ids: string[];
}

/** Upserts on this thread, yielding between one market's insert and the next. */
async function insert({ pace }: Rebuild, next: VectorIndex, id: string, vector: Float32Array, markets: readonly string[]): Promise<void> {
  if (next.upsertSteps === undefined) return next.upsert(id, vector, markets);
  for (const step of next.upsertSteps(id, vector, markets)) {
    void step;
    await pace();
  }
}

/**
 * The catalog's items under `model`, into `next`: built off this thread where the index can,
 * else inserted here between requests.
 */
async function fill(r: Rebuild, ctx: TenantContext, model: ModelEncoders, next: VectorIndex): Promise<{ next: VectorIndex; ids: string[] }> {
  const { logger, pace } = r;
  const t0 = performance.now();
  const entries: VectorEntry[] = [];
  for await (const item of ctx.store.allItems()) {
    await pace();
    entries.push({ id: item.id, vector: model.content.encode(item), markets: item.availableIn });
  }
  logger.debug('catalog encoded for the new index', { tenant: ctx.tenant, items: entries.length, ms: Math.round(performance.now() - t0) });
  if (next.build !== undefined) {
    try {
      const t1 = performance.now();
      await next.build(entries);
      logger.debug('new index built off the serving thread', { tenant: ctx.tenant, ms: Math.round(performance.now() - t1) });
      return { next, ids: entries.map((e) => e.id) };
    } catch (e) {
      logger.warn('index build off the serving thread failed; inserting between requests instead', { tenant: ctx.tenant, err: e });
    }
  }
  // A failed build leaves the index empty (the port's contract): insert into it here instead, its
  // graphs at the old ones' size (and a little more), so none grows mid-rebuild.
  for (const m of ctx.vectors.markets()) next.reserve?.(m, Math.ceil(ctx.vectors.size(m) * 1.1) + 16);
  for (const e of entries) await insert(r, next, e.id, e.vector, e.markets);
  return { next, ids: entries.map((e) => e.id) };
}

/** A tenant's index under `model`, from its catalog; items deleted meanwhile are reconciled at the swap. */
async function rebuild(r: Rebuild, ctx: TenantContext, model: ModelEncoders): Promise<Rebuilt> {
  const { next, ids } = await fill(r, ctx, model, r.makeVectors(ctx.tenant));
  // Items upserted while the first pass ran. Reading a whole catalog is tens of milliseconds, so
  // this yields between the items it skips too.
  for await (const item of ctx.store.allItems()) {
    await r.pace();
    if (next.has(item.id)) continue;
    await insert(r, next, item.id, model.content.encode(item), item.availableIn);
    ids.push(item.id);
  }
  return { ctx, next, ids };
}

/** Every tenant's index under `model`; tenants created during a rebuild were indexed with the old model, so they are rebuilt too. */
async function rebuildAll(r: Rebuild, tenants: () => Tenants, model: ModelEncoders): Promise<Map<string, Rebuilt>> {
  const built = new Map<string, Rebuilt>();
  for (let todo = tenants().list(); todo.length > 0; todo = tenants().list().filter((c) => !built.has(c.tenant))) {
    for (const ctx of todo) built.set(ctx.tenant, await rebuild(r, ctx, model));
  }
  return built;
}

/** Each tenant's new index in place of its old one, less the items deleted from the old one during the rebuild. Synchronous. */
function swapIndexes(built: ReadonlyMap<string, Rebuilt>): void {
  for (const { ctx, next, ids } of built.values()) {
    for (const id of ids) if (!ctx.vectors.has(id)) next.remove(id);
    (ctx as { vectors: VectorIndex }).vectors = next;
  }
}

/** The model in service once `version` is adopted: its encoders and its tuned ranking. */
function inService(version: string, loaded: LoadedModel, model: ModelEncoders): InService {
  const { sequence, blend } = loaded.manifest;
  const createdAt = Date.parse(loaded.manifest.createdAt);
  return {
    version,
    content: model.content,
    encoder: model.encoder,
    params: sequence?.params ?? DEFAULT_PARAMS,
    ...(blend === undefined ? {} : { learned: blend.learned }),
    ...(Number.isNaN(createdAt) ? {} : { createdAt }),
  };
}

/**
 * Adoptions one at a time, in the order asked; of several queued while one runs, only the latest
 * is adopted. A failed one is logged and leaves the previous model in service.
 */
class AdoptionQueue {
  private chain: Promise<void> = Promise.resolve();
  private wanted: string | undefined;

  constructor(
    private readonly load: (version: string) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  adopt(version: string): Promise<void> {
    this.wanted = version;
    const run = this.chain.then(async () => {
      // Several changes queued while one was being adopted: only the latest matters.
      if (this.wanted !== version) return;
      await this.load(version);
    });
    this.chain = run.catch((e: unknown) => this.logger.error('model swap failed; the previous model stays in service', { version, err: e }));
    return run;
  }

  async idle(): Promise<void> {
    let seen: Promise<void> | undefined;
    while (seen !== this.chain) {
      seen = this.chain;
      await seen;
    }
  }
}

export function createModelSwitcher({ registry, tenants, makeVectors, defaults, logger = silentLogger, sliceMs = 1 }: ModelSwitcherOptions): ModelSwitcher {
  const dim = defaults.encoder.dim;
  let current: InService = { version: `${defaults.content.name}+${defaults.encoder.name}`, ...defaults, params: DEFAULT_PARAMS };
  const r: Rebuild = { makeVectors, logger, pace: createPacer(sliceMs) };

  async function load(version: string): Promise<void> {
    if (version === current.version) return;
    const t0 = performance.now();
    const loaded = await registry.load(version);
    const model = modelEncoders(loaded);
    if (model.content.dim !== dim) {
      logger.error('model dimension differs from the index: not adopted', { version, modelDim: model.content.dim, dim });
      return;
    }
    const built = await rebuildAll(r, tenants, model);
    // The swap: synchronous, so no request or event sees a tenant on one model and the encoders on another.
    swapIndexes(built);
    current = inService(version, loaded, model);
    const { sequence, blend } = loaded.manifest;
    logger.info('model in service', { version, tenants: built.size, ms: Math.round(performance.now() - t0), tunedSequence: sequence !== undefined, learned: blend?.learned });
  }

  const queue = new AdoptionQueue(load, logger);
  const adopt = (version: string): Promise<void> => queue.adopt(version);
  return {
    ...delegatingEncoders(() => current, dim),
    version: () => current.version,
    createdAt: () => current.createdAt,
    sequenceParams: () => current.params,
    learnedBlend: () => current.learned,
    adopt,
    follow({ intervalMs = 1000 } = {}) {
      return registry.watch((v) => {
        if (v !== undefined) adopt(v).catch(() => undefined);
      }, { intervalMs });
    },
    idle: () => queue.idle(),
  };
}
