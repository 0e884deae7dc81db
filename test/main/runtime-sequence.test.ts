import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { createRuntime } from '../../src/main/index.ts';
import { tempDir } from '../support/helpers.ts';

const T0 = Date.UTC(2026, 5, 1);

const upsert = (id: string, i: number) => ({
  id: `item-${id}`,
  type: 'item_upsert',
  tenant: 'default',
  ts: T0 - 100 + i,
  item_id: id,
  titles: { en: `item ${id}` },
  category: 'c',
  brand: `brand-${id}`,
  prices: { US: { amount: 10, currency: 'USD' } },
  available_in: ['US'],
});

let n = 0;
const view = (user: string, item: string, ts: number) => ({ id: `v-${++n}`, type: 'view', tenant: 'default', market: 'US', locale: 'en-US', user_id: user, item_id: item, ts });

/** Shoppers who view A go on to B; shoppers who view C go on to D. */
function traffic(): unknown[] {
  const out: unknown[] = [];
  let t = T0;
  for (let i = 0; i < 15; i++) out.push(view(`ab${i}`, 'A', ++t), view(`ab${i}`, 'B', ++t));
  for (let i = 0; i < 15; i++) out.push(view(`cd${i}`, 'C', ++t), view(`cd${i}`, 'D', ++t));
  return out;
}

describe.each([true, false])('the runtime with sequenceThread %s', (thread) => {
  it('ranks a shopper\'s next list from the click just accepted, and reports the sequence model in readiness', async () => {
    const tmp = await tempDir('meridian-runtime-sequence-');
    const config = loadConfig({
      env: {},
      overrides: { featureStore: 'memory:', eventStore: 'memory:', deadLetters: 'memory:', modelDir: tmp.dir, demo: { enabled: false }, sequenceThread: thread },
    });
    const rt = await createRuntime(config, { logger: silentLogger, followModels: false });
    try {
      await rt.engine.ingest(['A', 'B', 'C', 'D', 'E'].map(upsert), 'test');
      await rt.engine.ingest(traffic(), 'test');
      const next = async (): Promise<string | undefined> => {
        const list = await rt.engine.recommend({ tenant: 'default', market: 'US', k: 1, user: 'me', exclude: ['seen'] });
        return list.items[0]?.id;
      };
      await rt.engine.ingest([view('me', 'A', T0 + 1000)], 'test');
      expect(await next()).toBe('B');
      await rt.engine.ingest([view('me', 'C', T0 + 2000)], 'test');
      expect(await next()).toBe('D');
      expect(await rt.engine.ready()).toMatchObject({ ok: true, checks: { sequence: true } });

      // A model that can no longer rank (here: closed; a failed thread is the same) fails readiness and answers 503.
      await (await rt.tenants.get('default')).sequence?.close();
      await rt.engine.ingest([view('me', 'E', T0 + 3000)], 'test');
      if (thread) {
        expect(await rt.engine.ready()).toMatchObject({ ok: false, checks: { sequence: false } });
        await expect(next()).rejects.toMatchObject({ code: 'sequence_closed', statusCode: 503 });
      } else expect(await rt.engine.ready()).toMatchObject({ ok: true, checks: { sequence: true } });
    } finally {
      await rt.close();
      await tmp.cleanup();
    }
  });
});
