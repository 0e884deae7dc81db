import { join } from 'node:path';
import { noAdapter, type AdapterDeps } from '../core/index.ts';
import type { FeatureStore } from './port.ts';
import { openMemoryFeatureStore } from './memory/index.ts';
import { openRedisFeatureStore } from './redis/index.ts';

/** What the configuration tunes beside the URL. */
export interface FeatureStoreOptions {
  /** `memory:<dir>`: how often each tenant's snapshot is written (ms; 0: only at a stop). Default 60,000. */
  snapshotIntervalMs?: number;
}

/**
 * Opens one tenant's feature store from the configured URL. `memory:<dir>` snapshots each tenant to
 * `<dir>/<tenant>.snapshot.json`, periodically and at a stop; `memory:` keeps nothing across
 * restarts. `redis://…` and `rediss://…` (TLS) keep every tenant in that Redis under `meridian:<tenant>:`;
 * `redis+cluster://host:port[,host:port…][/?prefix=…]` (or `rediss+cluster://`) in a Redis Cluster,
 * under `<prefix>:<tenant>:` (see ./redis/store.ts for what a cluster guarantees).
 */
export async function openFeatureStore(
  url: string,
  tenant: string,
  deps: AdapterDeps,
  options: FeatureStoreOptions = {},
): Promise<FeatureStore> {
  if (url.startsWith('memory:')) {
    const dir = url.slice('memory:'.length);
    return openMemoryFeatureStore({
      logger: deps.logger,
      instrumentation: deps.instrumentation,
      ...(dir === '' ? {} : { snapshotPath: join(dir, `${tenant}.snapshot.json`) }),
      ...(options.snapshotIntervalMs === undefined ? {} : { snapshotIntervalMs: options.snapshotIntervalMs }),
    });
  }
  if (/^rediss?(\+cluster)?:\/\//.test(url)) {
    return openRedisFeatureStore({ url, tenant, logger: deps.logger, instrumentation: deps.instrumentation });
  }
  throw noAdapter('feature store', url, 'memory:[<dir>], redis://, rediss://, redis+cluster://');
}
