import { afterEach, describe, expect, it } from 'vitest';
import type { RecommendQuery } from '../../src/engine/index.ts';
import type { MeridianEvent } from '../../src/ingest/index.ts';
import { onlinePath, T0 } from './online-path.ts';

/** The online path (updater feeding the tenant's sequence model) and the recommender over it. */
function setup() {
  const { tenants, updater, rec, close } = onlinePath();
  const ask = async (q: Partial<RecommendQuery>) =>
    (await rec.recommend(await tenants.get('default'), { tenant: 'default', market: 'DE', k: 3, exclude: ['seen', 'purchased'], ...q })).items;
  return { tenants, updater, ask, close };
}

let n = 0;
function item(id: string, title: string, over: Record<string, unknown> = {}): MeridianEvent {
  return {
    id: `up-${id}`,
    type: 'item_upsert',
    tenant: 'default',
    ts: T0,
    item_id: id,
    titles: { en: title },
    category: 'kitchen',
    prices: { DE: { amount: 10, currency: 'EUR' }, FR: { amount: 10, currency: 'EUR' } },
    available_in: ['DE', 'FR'],
    ...over,
  } as MeridianEvent;
}
const view = (user: string, id: string, ts: number): MeridianEvent =>
  ({ id: `v-${++n}`, type: 'view', tenant: 'default', market: 'DE', locale: 'de-DE', user_id: user, item_id: id, ts }) as MeridianEvent;

/** Items and traffic where A is usually followed by B, sometimes by C; C reads like A, B does not. */
async function transitions(updater: ReturnType<typeof setup>['updater']): Promise<void> {
  await updater.apply([
    item('A', 'blue ceramic mug'),
    item('B', 'espresso beans dark roast'),
    item('C', 'blue ceramic mug large'),
    item('D', 'tea towel linen', { available_in: ['FR'], prices: { FR: { amount: 5, currency: 'EUR' } } }),
    ...['E', 'F', 'G', 'H'].map((id) => item(id, `kitchen thing ${id}`)),
  ]);
  const events: MeridianEvent[] = [];
  let t = T0 + 1000;
  for (let s = 0; s < 20; s++) {
    const user = `s${s}`;
    events.push(view(user, 'A', t++), view(user, s < 15 ? 'B' : 'C', t++), view(user, ['E', 'F', 'G', 'H'][s % 4] as string, t++));
  }
  await updater.apply(events);
}

describe('recommendations lead with the evaluated sequence model', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('a shopper whose history follows a frequent transition A → B gets B first, over an item that only reads like A', async () => {
    const env = setup();
    cleanups.push(env.close);
    await transitions(env.updater);
    await env.updater.apply([view('me', 'A', T0 + 10_000)]);
    const items = await env.ask({ user: 'me' });
    expect(items.map((i) => i.id)).toEqual(['B', 'C', items[2]?.id]);
    expect(items[0]?.reason).toBe('personalized');
    expect(items[0]?.score).toBeGreaterThan(items[1]?.score as number);
    // The same for an anonymous session: the session's own sequence.
    await env.updater.apply([{ ...view('x', 'A', T0 + 10_001), user_id: undefined, session_id: 'sess-1' } as MeridianEvent]);
    const session = await env.ask({ session: 'sess-1' });
    expect(session[0]).toMatchObject({ id: 'B', reason: 'session' });
  });

  it('respects exclusions and the market: seen items and items not sold there are left out', async () => {
    const env = setup();
    cleanups.push(env.close);
    await transitions(env.updater);
    await env.updater.apply([view('me', 'A', T0 + 10_000), view('me', 'B', T0 + 10_001), view('me', 'A', T0 + 10_002)]);
    // Of the eight items, A and B are seen and D is sold in FR only: the five others remain.
    const ids = (await env.ask({ user: 'me', k: 6 })).map((i) => i.id);
    expect([...ids].sort()).toEqual(['C', 'E', 'F', 'G', 'H']);
    // Nothing excluded: after A, B leads again.
    expect((await env.ask({ user: 'me', exclude: [] }))[0]?.id).toBe('B');
  });

  it('fills in below: an item new since (no interactions) comes from the other sources when the model has none to give', async () => {
    const env = setup();
    cleanups.push(env.close);
    await transitions(env.updater);
    await env.updater.apply([item('N', 'blue ceramic mug espresso', { category: 'new' }), view('me', 'A', T0 + 10_000)]);
    const all = await env.ask({ user: 'me', k: 8 });
    // Every item the sequence model ranks comes before the new one.
    expect(all.map((i) => i.id).slice(0, 2)).toEqual(['B', 'C']);
    const filtered = await env.ask({ user: 'me', category: 'new' });
    expect(filtered.map((i) => i.id)).toEqual(['N']);
  });

  it('a shopper the model has never seen gets trending', async () => {
    const env = setup();
    cleanups.push(env.close);
    await transitions(env.updater);
    const items = await env.ask({ user: 'stranger' });
    expect(items.length).toBe(3);
    for (const i of items) expect(i.reason).toBe('trending');
  });
});
