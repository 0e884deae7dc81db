import type { CatalogItem, FeatureStore } from '../features/index.ts';
import { marketLanguage } from './markets.ts';
import type { ItemView, ListQuery, Reason } from './types.ts';

/**
 * The title to show: the requested locale, then its language (titles may be keyed `de-DE` or `de`),
 * then the market's language, then English, then any.
 */
export function pickTitle(titles: Record<string, string>, locale: string | undefined, market: string): string {
  if (locale !== undefined) {
    const exact = titles[locale];
    if (exact !== undefined) return exact;
  }
  const dash = locale === undefined ? -1 : locale.indexOf('-');
  const lang = locale === undefined ? marketLanguage(market) : dash < 0 ? locale : locale.slice(0, dash);
  // Fast path, per item of every answer: titles keyed by the bare language.
  if (lang !== undefined) {
    const byLang = titles[lang];
    if (byLang !== undefined) return byLang;
  }
  let sameLang: string | undefined;
  let inMarket: string | undefined;
  let english: string | undefined;
  let first: string | undefined;
  for (const [tag, title] of Object.entries(titles)) {
    first ??= title;
    if (lang !== undefined && sameLang === undefined && tag.split('-')[0] === lang) sameLang = title;
    if (inMarket === undefined && tag.endsWith(`-${market}`)) inMarket = title;
    if (english === undefined && tag.startsWith('en')) english = title;
  }
  return sameLang ?? inMarket ?? english ?? first ?? '';
}

/** The item as a list entry for this query, or undefined when a rule excludes it. */
export function toView(item: CatalogItem, q: ListQuery, score: number, reason: Reason): ItemView | undefined {
  if (!item.availableIn.includes(q.market)) return undefined;
  const price = item.prices[q.market];
  if (price === undefined) return undefined;
  if (q.category !== undefined && item.category !== q.category) return undefined;
  if (q.priceMin !== undefined && price.amount < q.priceMin) return undefined;
  if (q.priceMax !== undefined && price.amount > q.priceMax) return undefined;
  return {
    id: item.id,
    title: pickTitle(item.titles, q.locale, q.market),
    category: item.category,
    brand: item.brand,
    price: { amount: price.amount, currency: price.currency },
    score: Math.round(score * 1e6) / 1e6,
    reason,
  };
}

/** Candidates gathered from several sources; each keeps its summed score and its strongest reason. */
export class Candidates {
  private readonly entries = new Map<string, { score: number; reason: Reason; best: number }>();

  add(id: string, score: number, reason: Reason): void {
    if (!(score > 0)) return;
    const e = this.entries.get(id);
    if (e === undefined) {
      this.entries.set(id, { score, reason, best: score });
      return;
    }
    e.score += score;
    if (score > e.best) {
      e.best = score;
      e.reason = reason;
    }
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  get size(): number {
    return this.entries.size;
  }

  ranked(): { id: string; score: number; reason: Reason }[] {
    const out: { id: string; score: number; reason: Reason }[] = [];
    for (const [id, e] of this.entries) out.push({ id, score: e.score, reason: e.reason });
    out.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return out;
  }
}

/**
 * Turns ranked candidates into at most k list entries: catalog lookups in chunks, business rules
 * (market, price, category), and diversity (at most `maxPerBrand` items of one brand).
 */
export async function hydrate(
  store: FeatureStore,
  ranked: readonly { id: string; score: number; reason: Reason }[],
  q: ListQuery,
  exclude?: ReadonlySet<string>,
): Promise<ItemView[]> {
  const out: ItemView[] = [];
  const perBrand = new Map<string, number>();
  const maxPerBrand = Math.max(2, Math.ceil(q.k / 3));
  const deferred: ItemView[] = [];
  const chunk = Math.max(q.k * 2, 20);
  for (let start = 0; start < ranked.length && out.length < q.k; start += chunk) {
    const slice = ranked.slice(start, start + chunk).filter((c) => exclude === undefined || !exclude.has(c.id));
    const items = await store.getItems(slice.map((c) => c.id));
    for (let i = 0; i < slice.length && out.length < q.k; i++) {
      const item = items[i];
      const c = slice[i];
      if (item === undefined || c === undefined) continue;
      const view = toView(item, q, c.score, c.reason);
      if (view === undefined) continue;
      const brand = item.brand ?? '';
      const n = perBrand.get(brand) ?? 0;
      if (brand !== '' && n >= maxPerBrand) {
        deferred.push(view);
        continue;
      }
      perBrand.set(brand, n + 1);
      out.push(view);
    }
  }
  // Diversity yields to coverage: fill with the deferred items rather than return fewer than k.
  for (const v of deferred) {
    if (out.length >= q.k) break;
    out.push(v);
  }
  return out;
}
