import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { checkAuthConfig, isLoopback, openAuth, runServe } from '../../src/main/index.ts';

const config = (overrides: Record<string, unknown>) => loadConfig({ env: {}, overrides: { featureStore: 'memory:', demo: { enabled: false }, ...overrides } });

describe('the loopback rule', () => {
  it('knows a loopback address', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', '128.0.0.1', '']) expect(isLoopback(h), h).toBe(false);
  });

  it('refuses auth off on an address another machine can reach, naming the key', async () => {
    expect(() => checkAuthConfig(config({ host: '0.0.0.0', auth: { mode: 'off' } }))).toThrow(/auth\.mode \(MERIDIAN_AUTH\).*loopback/);
    await expect(runServe(config({ host: '0.0.0.0', port: 0, auth: { mode: 'off' } }), silentLogger)).rejects.toMatchObject({ code: 'config_invalid' });
    expect(() => checkAuthConfig(config({ host: '127.0.0.1', auth: { mode: 'off' } }))).not.toThrow();
    expect(() => checkAuthConfig(config({ host: '0.0.0.0' }))).not.toThrow();
    expect(() => checkAuthConfig(config({ port: 8080, auth: { opsPort: 8080 } }))).toThrow(/opsPort/);
  });

  it('says loudly at start that authentication is off', async () => {
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (m: string) => void warnings.push(m), child: () => logger };
    const a = await openAuth(config({ auth: { mode: 'off' } }), logger);
    await a.close();
    expect(a.auth.mode).toBe('off');
    expect(warnings.join('\n')).toMatch(/AUTHENTICATION IS OFF/);
  });

  it('gives the playground a key of the demo tenant, known to this process only, that cannot write the catalog', async () => {
    const a = await openAuth(config({ demo: { enabled: true } }), silentLogger);
    try {
      expect(a.auth.mode).toBe('keys');
      const access = await a.auth.keys?.authenticate(a.playgroundKey ?? '');
      expect(access?.tenant).toBe('default');
      expect(access?.scopes.has('search')).toBe(true);
      expect(access?.scopes.has('catalog')).toBe(false);
      expect(access?.scopes.has('admin')).toBe(false);
      expect(await a.auth.keys?.list()).toEqual([]);
    } finally {
      await a.close();
    }
  });
});
