import { join } from 'node:path';
import { MeridianError, type Instrumentation, type Logger } from '../core/index.ts';
import type { Config } from '../config/index.ts';
import { openMemoryFeatureStore, type FeatureStore } from '../features/index.ts';

/**
 * Opens one tenant's feature store from the configured URL. `memory:<dir>` snapshots each tenant to
 * `<dir>/<tenant>.snapshot.json`; `memory:` keeps nothing across restarts.
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
  throw new MeridianError('config_invalid', `featureStore: no adapter for "${url}" in this build (use memory:)`);
}

export type AdapterConfig = Pick<Config, 'featureStore'>;
