import type { Money } from '../ingest/index.ts';
import type { CatalogItem } from '../features/index.ts';
import type { FeatureStore } from '../feature-store/index.ts';
import { marketLanguage } from './markets.ts';
import type { ItemView, ListQuery, Reason } from './types.ts';

/**
 * The title to show: the requested locale, then its language (titles may be keyed `de-DE` or `de`),
 * then the market's language, then English, then any.
 */
export function pickTitle(titles: Record<string, string>, locale: string | undefined, market: string): string {
  return titleIn(titles, locale, languageOf(locale, market), market);
}

/** The language a title is looked up in: the locale's, or the market's when there is no locale. */
function languageOf(locale: string | undefined, market: string): string | undefined {
  if (locale === undefined) return marketLanguage(market);
  const dash = locale.indexOf('-');
  return dash < 0 ? locale : locale.slice(0, dash);
}

function titleIn(titles: Record<string, string>, locale: string | undefined, lang: string | undefined, market: string): string {
  if (locale !== undefined) {
    const exact = titles[locale];
    if (exact !== undefined) return exact;
  }
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

/**
 * The same string as a property key holds it (V8 internalizes keys). Request strings are fresh
 * copies, and a keyed read (`prices[market]`) with one looks the string up in the string table on
 * every read; with the key's own copy it does not. Done once per list, read per candidate.
 */
const asKey = (s: string): string => Object.keys({ [s]: 0 })[0] ?? s;

/**
 * The item's price in the query's market when the business rules let it be listed (sold there,
 * category and price filters), else undefined. Reads only what the item already holds, so a
 * candidate is judged without building its view.
 */
export function admitted(item: CatalogItem, q: ListQuery): Money | undefined {
  const price = item.prices[q.market];
  if (price === undefined || !item.availableIn.includes(q.market)) return undefined;
  if (q.category !== undefined && item.category !== q.category) return undefined;
  if (q.priceMin !== undefined && price.amount < q.priceMin) return undefined;
  if (q.priceMax !== undefined && price.amount > q.priceMax) return undefined;
  return price;
}

/** A list's query with its keys resolved once: the market and locale as keys, the title language. */
interface Lookup {
  q: ListQuery;
  lang: string | undefined;
}

function lookupOf(q: ListQuery): Lookup {
  const market = asKey(q.market);
  const locale = q.locale === undefined ? undefined : asKey(q.locale);
  const lang = languageOf(locale, market);
  return { q: { ...q, market, locale }, lang: lang === undefined ? undefined : asKey(lang) };
}

function viewOf(item: CatalogItem, price: Money, l: Lookup, score: number, reason: Reason): ItemView {
  return {
    id: item.id,
    title: titleIn(item.titles, l.q.locale, l.lang, l.q.market),
    category: item.category,
    brand: item.brand,
    price: { amount: price.amount, currency: price.currency },
    score: Math.round(score * 1e6) / 1e6,
    reason,
  };
}

/** The item as a list entry for this query, or undefined when a rule excludes it. */
export function toView(item: CatalogItem, q: ListQuery, score: number, reason: Reason): ItemView | undefined {
  const price = admitted(item, q);
  return price === undefined ? undefined : viewOf(item, price, { q, lang: languageOf(q.locale, q.market) }, score, reason);
}

export interface RankedCandidate {
  id: string;
  score: number;
  reason: Reason;
}

/** Candidates in rank order, one at a time: what `hydrate` reads. */
export interface RankCursor {
  next(): RankedCandidate | undefined;
}

/**
 * Candidates gathered from several sources; each keeps its summed score and its strongest reason.
 * Kept in parallel arrays (no object per candidate); the rank order (score, then id) is read
 * lazily through a heap, because a list of k items usually needs only the first few dozen of the
 * hundred or more candidates.
 */
export class Candidates {
  private readonly slots = new Map<string, number>();
  private readonly ids: string[] = [];
  private readonly reasons: Reason[] = [];
  // Plain arrays of doubles: a list lives for one request, too short for typed arrays to pay off.
  private readonly scores: number[] = [];
  private readonly bests: number[] = [];

  add(id: string, score: number, reason: Reason): void {
    if (!(score > 0)) return;
    const i = this.slots.get(id);
    if (i === undefined) {
      this.slots.set(id, this.ids.length);
      this.ids.push(id);
      this.reasons.push(reason);
      this.scores.push(score);
      this.bests.push(score);
      return;
    }
    this.scores[i] = (this.scores[i] as number) + score;
    if (score > (this.bests[i] as number)) {
      this.bests[i] = score;
      this.reasons[i] = reason;
    }
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  get size(): number {
    return this.ids.length;
  }

  /**
   * Gives every candidate for which `f` returns a number that number as its score and `reason` as
   * its reason (re-ranking, e.g. by the shopper's own vector); the others keep theirs.
   */
  rescore(f: (id: string, score: number) => number | undefined, reason: Reason): void {
    for (let i = 0; i < this.ids.length; i++) {
      const s = f(this.ids[i] as string, this.scores[i] as number);
      if (s === undefined) continue;
      this.scores[i] = s;
      this.reasons[i] = reason;
    }
  }

  /** Every candidate, best first (ties by id). */
  ranked(): RankedCandidate[] {
    const out: RankedCandidate[] = [];
    const cursor = this.cursor();
    for (let c = cursor.next(); c !== undefined; c = cursor.next()) out.push(c);
    return out;
  }

  /**
   * The candidates best first (ties by id), popped from a heap as they are read. The heap reads
   * the scores as they are: add and rescore before taking a cursor, not while reading one.
   */
  cursor(): RankCursor {
    const { ids, scores, reasons } = this;
    const heap: number[] = new Array<number>(ids.length);
    let size = ids.length;
    for (let i = 0; i < size; i++) heap[i] = i;
    // Moves heap[at] down below every entry that ranks before it (higher score, then lower id).
    const siftDown = (at: number): void => {
      const top = heap[at] as number;
      const topScore = scores[top] as number;
      for (;;) {
        let child = 2 * at + 1;
        if (child >= size) break;
        let c = heap[child] as number;
        let cs = scores[c] as number;
        if (child + 1 < size) {
          const r = heap[child + 1] as number;
          const rs = scores[r] as number;
          if (rs > cs || (rs === cs && (ids[r] as string) < (ids[c] as string))) {
            child++;
            c = r;
            cs = rs;
          }
        }
        if (!(cs > topScore || (cs === topScore && (ids[c] as string) < (ids[top] as string)))) break;
        heap[at] = c;
        at = child;
      }
      heap[at] = top;
    };
    for (let i = (size >> 1) - 1; i >= 0; i--) siftDown(i);
    return {
      next() {
        if (size === 0) return undefined;
        const i = heap[0] as number;
        heap[0] = heap[--size] as number;
        siftDown(0);
        return { id: ids[i] as string, score: scores[i] as number, reason: reasons[i] as Reason };
      },
    };
  }
}

function arrayCursor(ranked: readonly RankedCandidate[]): RankCursor {
  let i = 0;
  return { next: () => ranked[i++] };
}

interface Deferred {
  item: CatalogItem;
  c: RankedCandidate;
}

/**
 * Turns ranked candidates into at most k list entries: catalog lookups in chunks, business rules
 * (market, price, category), and diversity (at most `maxPerBrand` items of one brand). Work is done
 * only as far down the ranking as the list needs: a candidate over its brand's cap is set aside
 * unjudged (the rules run on it only if it is needed to fill the list), and a view is built only for
 * an item that is listed.
 */
export async function hydrate(
  store: FeatureStore,
  ranked: Candidates | readonly RankedCandidate[],
  q: ListQuery,
  exclude?: ReadonlySet<string>,
): Promise<ItemView[]> {
  const cursor = ranked instanceof Candidates ? ranked.cursor() : arrayCursor(ranked);
  const l = lookupOf(q);
  const out: ItemView[] = [];
  const perBrand = new Map<string, number>();
  const maxPerBrand = Math.max(2, Math.ceil(q.k / 3));
  const deferred: Deferred[] = [];
  // Brand caps set many candidates aside, so a list usually reads several times k of them: one
  // lookup (a round trip on Redis) for most lists.
  const chunk = Math.max(q.k * 4, 40);
  const batch: RankedCandidate[] = [];
  const ids: string[] = [];
  let more = true;
  while (more && out.length < q.k) {
    batch.length = 0;
    ids.length = 0;
    // A chunk of `chunk` candidates in rank order, the excluded ones left out before the lookup.
    for (let n = 0; n < chunk; n++) {
      const c = cursor.next();
      if (c === undefined) {
        more = false;
        break;
      }
      if (exclude !== undefined && exclude.has(c.id)) continue;
      batch.push(c);
      ids.push(c.id);
    }
    if (batch.length === 0) break;
    const items = await store.getItems(ids);
    for (let i = 0; i < batch.length && out.length < q.k; i++) {
      const item = items[i];
      if (item === undefined) continue;
      const c = batch[i] as RankedCandidate;
      const brand = item.brand ?? '';
      const n = brand === '' ? 0 : (perBrand.get(brand) ?? 0);
      if (brand !== '' && n >= maxPerBrand) {
        deferred.push({ item, c });
        continue;
      }
      const price = admitted(item, l.q);
      if (price === undefined) continue;
      if (brand !== '') perBrand.set(brand, n + 1);
      out.push(viewOf(item, price, l, c.score, c.reason));
    }
  }
  // Diversity yields to coverage: fill with the set-aside items that pass the rules rather than
  // return fewer than k.
  for (let i = 0; i < deferred.length && out.length < q.k; i++) {
    const { item, c } = deferred[i] as Deferred;
    const price = admitted(item, l.q);
    if (price !== undefined) out.push(viewOf(item, price, l, c.score, c.reason));
  }
  return out;
}
