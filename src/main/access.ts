import { isIP } from 'node:net';
import { createKeyring, keyStoreLocation, openKeyStore, withLocalKey, type Keyring } from '../access/index.ts';
import type { Config } from '../config/index.ts';
import { MeridianError, type Logger } from '../core/index.ts';
import type { AuthOptions } from '../serve/index.ts';

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and `localhost`: addresses no other machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * Checks the auth section against where serve listens, before anything opens: `off` on an address
 * another machine can reach is refused, and so is an ops port equal to the API's.
 */
export function checkAuthConfig(config: Readonly<Config>): void {
  if (config.auth.mode === 'off' && !isLoopback(config.host)) {
    throw new MeridianError(
      'config_invalid',
      `auth.mode (MERIDIAN_AUTH): "off" is allowed only on a loopback address (127.0.0.1, ::1, localhost); host is "${config.host}". ` +
        'Create keys with `meridian keys create` and leave auth.mode at "keys".',
    );
  }
  if (config.auth.opsPort !== 0 && config.auth.opsPort === config.port) {
    throw new MeridianError('config_invalid', `auth.opsPort (MERIDIAN_OPS_PORT): must differ from port (${config.port})`);
  }
}

/** The keyring of the configured store: beside the feature store, shared by every replica and by `meridian keys`. */
export async function openKeyring(config: Readonly<Config>, logger: Logger): Promise<Keyring> {
  return createKeyring({ store: await openKeyStore(config.featureStore, { logger, cacheMs: config.auth.cacheMs }) });
}

/** The tenant the embedded demo seeds, whose search key the playground gets. */
const DEMO_TENANT = 'default';

/**
 * serve's authentication, from the config. With keys, the playground page gets a key of the demo
 * tenant known only to this process, with the scopes the page uses (`search`, and `events` for its
 * clicks, as a storefront page would), never `catalog` or `admin`.
 */
export async function openAuth(
  config: Readonly<Config>,
  logger: Logger,
): Promise<{ auth: AuthOptions; playgroundKey: string | undefined; close: () => Promise<void> }> {
  checkAuthConfig(config);
  const keys = await openKeyring(config, logger);
  const where = keyStoreLocation(config.featureStore);
  if (config.auth.mode === 'off') {
    logger.warn(
      '!!! AUTHENTICATION IS OFF: every request is an operator of every tenant. Fine on this loopback address for a demo; ' +
        'set auth.mode to "keys" (the default) before anyone else can reach it !!!',
      { host: config.host, keys: where },
    );
    return { auth: { mode: 'off', keys }, playgroundKey: undefined, close: () => keys.close() };
  }
  const existing = await keys.list();
  if (existing.length === 0) {
    logger.warn('no API keys yet: every API route will answer 401 until one is made with `meridian keys create`', { keys: where });
  }
  if (!config.demo.enabled) return { auth: { mode: 'keys', keys }, playgroundKey: undefined, close: () => keys.close() };
  const local = withLocalKey(keys, { tenant: DEMO_TENANT, scopes: ['search', 'events'] });
  return { auth: { mode: 'keys', keys: local.keyring }, playgroundKey: local.key, close: () => keys.close() };
}
