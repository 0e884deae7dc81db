import { join } from 'node:path';
import { MeridianError, type Instrumentation, type Logger } from '../core/index.ts';
import type { Config } from '../config/index.ts';
import { openMemoryFeatureStore, openRedisFeatureStore, type FeatureStore } from '../features/index.ts';

/**
 * Opens one tenant's feature store from the configured URL. `memory:<dir>` snapshots each tenant to
 * `<dir>/<tenant>.snapshot.json`; `memory:` keeps nothing across restarts. `redis://…` and
 * `rediss://…` (TLS) keep every tenant in that Redis under `meridian:<tenant>:`;
 * `redis+cluster://host:port[,host:port…][/?prefix=…]` (or `rediss+cluster://`) in a Redis Cluster,
 * under `<prefix>:<tenant>:` (see src/features/redis-store.ts for what a cluster guarantees).
 */
export async function openFeatureStore(
  url: string,
  tenant: string,
  deps: { logger: Logger; instrumentation: Instrumentation },
): Promise<FeatureStore> {
  if (url.startsWith('memory:')) {
    const dir = url.slice('memory:'.length);
    return openMemoryFeatureStore({
      logger: deps.logger,
      ...(dir === '' ? {} : { snapshotPath: join(dir, `${tenant}.snapshot.json`) }),
    });
  }
  if (/^rediss?(\+cluster)?:\/\//.test(url)) {
    return openRedisFeatureStore({ url, tenant, logger: deps.logger, instrumentation: deps.instrumentation });
  }
  throw new MeridianError('config_invalid', `featureStore: no adapter for "${url}" (use memory:, redis:// or redis+cluster://)`);
}

export type AdapterConfig = Pick<Config, 'featureStore'>;
