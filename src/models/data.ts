import { shopperKey, type MeridianEvent } from '../ingest/index.ts';

/** The content of an item as the content encoder reads it (the latest upsert). */
export interface ItemContent {
  id: string;
  titles: Record<string, string>;
  descriptions?: Record<string, string>;
  category: string;
  brand?: string | undefined;
}

export type InteractionType = 'view' | 'click' | 'add_to_cart' | 'purchase';

/** One shopper's interactions in event-time order; repeats of the same item in a row are one step. */
export interface ShopperSequence {
  key: string;
  items: Int32Array;
  types: InteractionType[];
  ts: Float64Array;
  /** Market of each step ('' when the source has none, as line files). */
  markets: string[];
}

export interface TrainingData {
  /** Dense index → item id. */
  itemIds: string[];
  sequences: ShopperSequence[];
  contents: Map<string, ItemContent>;
  range: { from: number | null; to: number | null; events: number };
}

const INTERACTIONS: ReadonlySet<string> = new Set<InteractionType>(['view', 'click', 'add_to_cart', 'purchase']);
/** When the same item repeats in a row, the strongest interaction is kept. */
const STRENGTH: Record<InteractionType, number> = { view: 0, click: 1, add_to_cart: 2, purchase: 3 };

interface Builder {
  items: number[];
  types: InteractionType[];
  ts: number[];
  markets: string[];
}

/**
 * Shoppers' sequences (views, clicks, carts, purchases) and the catalog's content, from events in
 * event-time order (as `EventStore.scan` yields them). `tenant` keeps one tenant's events.
 */
export async function collectTrainingData(events: AsyncIterable<MeridianEvent>, { tenant }: { tenant?: string } = {}): Promise<TrainingData> {
  const index = new Map<string, number>();
  const itemIds: string[] = [];
  const shoppers = new Map<string, Builder>();
  const contents = new Map<string, ItemContent>();
  let from: number | null = null;
  let to: number | null = null;
  let count = 0;
  for await (const e of events) {
    if (tenant !== undefined && e.tenant !== tenant) continue;
    count++;
    if (from === null || e.ts < from) from = e.ts;
    if (to === null || e.ts > to) to = e.ts;
    if (e.type === 'item_upsert') {
      contents.set(e.item_id, { id: e.item_id, titles: e.titles, descriptions: e.descriptions, category: e.category, brand: e.brand });
      continue;
    }
    if (e.type === 'item_delete') {
      contents.delete(e.item_id);
      continue;
    }
    if (!INTERACTIONS.has(e.type) || !('item_id' in e)) continue;
    const key = shopperKey(e);
    if (key === undefined) continue;
    let id = index.get(e.item_id);
    if (id === undefined) {
      id = itemIds.length;
      index.set(e.item_id, id);
      itemIds.push(e.item_id);
    }
    const type = e.type as InteractionType;
    const fullKey = `${e.tenant}/${key}`;
    let b = shoppers.get(fullKey);
    if (b === undefined) shoppers.set(fullKey, (b = { items: [], types: [], ts: [], markets: [] }));
    const last = b.items.length - 1;
    if (last >= 0 && b.items[last] === id) {
      if (STRENGTH[type] > STRENGTH[b.types[last] as InteractionType]) b.types[last] = type;
      b.ts[last] = e.ts;
      b.markets[last] = e.market;
      continue;
    }
    b.items.push(id);
    b.types.push(type);
    b.ts.push(e.ts);
    b.markets.push(e.market);
  }
  const sequences: ShopperSequence[] = [];
  for (const [key, b] of shoppers) sequences.push({ key, items: Int32Array.from(b.items), types: b.types, ts: Float64Array.from(b.ts), markets: b.markets });
  return { itemIds, sequences, contents, range: { from, to, events: count } };
}

/** The steps of a sequence that are carts or purchases: what the purchase fine-tuning learns from. */
export function purchaseSteps(s: ShopperSequence): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < s.items.length; i++) if (s.types[i] === 'add_to_cart' || s.types[i] === 'purchase') out.push(s.items[i] as number);
  return Int32Array.from(out);
}

/** Step time of sequences that carry no time (line files): one step per second. */
export const LINE_STEP_MS = 1000;

/** Training data from `user item1 item2 …` lines (no content, no time: one step per second, every step a view). */
export async function linesTrainingData(lines: AsyncIterable<{ user: string; items: Int32Array }>): Promise<TrainingData> {
  const index = new Map<number, number>();
  const itemIds: string[] = [];
  const sequences: ShopperSequence[] = [];
  let events = 0;
  for await (const u of lines) {
    const items = Int32Array.from(u.items, (raw) => {
      let id = index.get(raw);
      if (id === undefined) {
        id = itemIds.length;
        index.set(raw, id);
        itemIds.push(String(raw));
      }
      return id;
    });
    events += items.length;
    sequences.push(lineSequence(u.user, items));
  }
  return { itemIds, sequences, contents: new Map(), range: { from: null, to: null, events } };
}

/** A sequence of a line file: every step a view, one step per LINE_STEP_MS, no market. */
export function lineSequence(key: string, items: Int32Array): ShopperSequence {
  return { key, items, types: Array.from(items, () => 'view' as const), ts: Float64Array.from(items, (_, i) => i * LINE_STEP_MS), markets: Array.from(items, () => '') };
}

/**
 * Training data over raw item ids (dense index = id, so vectors line up with the ids of the offline
 * formats; index 0 is never an item). Empty sequences are left out.
 */
export function idSequencesTrainingData(sequences: readonly Int32Array[], numItems: number): TrainingData {
  const itemIds = Array.from({ length: numItems + 1 }, (_, i) => String(i));
  const out: ShopperSequence[] = [];
  let events = 0;
  sequences.forEach((s, u) => {
    if (s.length === 0) return;
    events += s.length;
    out.push(lineSequence(String(u), s));
  });
  return { itemIds, sequences: out, contents: new Map(), range: { from: null, to: null, events } };
}
