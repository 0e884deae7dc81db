import type { Rng } from '../core/index.ts';
import type { ShopperEvent } from '../ingest/index.ts';
import type { Catalog, SimItem } from './catalog.ts';
import type { Due } from './heap.ts';
import type { MarketPools } from './pools.ts';
import { exponential, logNormal, pickCumulative, samplePool, type Pool } from './sample.ts';
import type { Shopper } from './shoppers.ts';
import { composeQuery, composeReview } from './text.ts';

/** A shopper resolved against a catalog: market position, taste for sampling, favourite brand ids. */
export interface Visitor {
  readonly shopper: Shopper;
  readonly market: number;
  readonly currency: string;
  readonly tasteCum: Float64Array;
  readonly preferred: ReadonlySet<number>;
  /** Favourite brand indices per category (empty for most categories). */
  readonly favourites: readonly (readonly number[])[];
  readonly favouriteSet: ReadonlySet<number>;
}

// Session states: what the next step of a session emits.
export const BROWSE = 0;
export const CLICK = 1;
export const VIEW = 2;
export const CART = 3;
export const CHECKOUT = 4;
export const DONE = 5;

export interface Session extends Due {
  readonly kind: 'session';
  readonly visitor: Visitor;
  readonly id: string;
  stepsLeft: number;
  next: number;
  item: number;
  last: number;
  cart: number[];
  paid: number;
}

export interface Review extends Due {
  readonly kind: 'review';
  readonly visitor: Visitor;
  readonly session: string;
  readonly item: number;
}

export interface MachineOptions {
  catalog: Catalog;
  pools: readonly MarketPools[];
  rng: Rng;
  tenant: string;
  /** The ts of an event due at simulated time t. */
  stamp: (t: number) => number;
  nextId: () => string;
  /** Receives reviews due later (days after a purchase). */
  schedule: (review: Review) => void;
}

export interface Machine {
  /** Emits the session's next event and advances its clock and state. */
  step(s: Session): ShopperEvent;
  review(r: Review): ShopperEvent;
}

const SEC = 1000;
const DAY = 86_400_000;
const P_SEARCH = 0.14;
const P_REMOVE = 0.03;
const P_CLICK = 0.33;
const P_SEARCH_CLICK = 0.55;
const P_CHECKOUT = 0.55;
const P_REVIEW = 0.25;
const MAX_RESULTS = 20;

/** The session state machine: views, clicks, carts, searches and checkouts of one shopper. */
class SessionMachine implements Machine {
  private readonly items: readonly SimItem[];
  private readonly found: number[] = [];

  constructor(private readonly o: MachineOptions) {
    this.items = o.catalog.items;
  }

  step(s: Session): ShopperEvent {
    switch (s.next) {
      case BROWSE:
        return this.browse(s);
      case CLICK: {
        const e = this.itemEvent('click', s, s.item);
        s.next = VIEW;
        s.t += 500 + this.o.rng.next() * 2500;
        return e;
      }
      case VIEW:
        return this.view(s, s.item);
      case CART: {
        const e = this.itemEvent('add_to_cart', s, s.item);
        s.cart.push(s.item);
        this.browseNext(s, this.browseGap());
        return e;
      }
      case CHECKOUT:
        return this.purchase(s);
      default:
        throw new Error(`session ${s.id} has ended`);
    }
  }

  review(r: Review): ShopperEvent {
    const { rng, catalog } = this.o;
    const item = this.items[r.item]!;
    const rating = Math.min(5, Math.max(1, Math.round(4 + item.quality + 0.9 * rng.normal())));
    const e = this.head('review', r.visitor, r.session, r.t);
    e.item_id = item.id;
    e.rating = rating;
    e.text = composeReview(rng, r.visitor.shopper.lang, rating, catalog.brands[item.brand]!.name);
    return e as ShopperEvent;
  }

  private head(type: ShopperEvent['type'], v: Visitor, session: string, t: number): Record<string, unknown> {
    const s = v.shopper;
    const { tenant, nextId, stamp } = this.o;
    return s.guest
      ? { id: nextId(), type, tenant, market: s.market, locale: s.locale, session_id: session, ts: stamp(t) }
      : { id: nextId(), type, tenant, market: s.market, locale: s.locale, user_id: s.id, session_id: session, ts: stamp(t) };
  }

  private itemEvent(type: ShopperEvent['type'], s: Session, item: number): ShopperEvent {
    const e = this.head(type, s.visitor, s.id, s.t);
    e.item_id = this.items[item]!.id;
    return e as ShopperEvent;
  }

  private browseGap(): number {
    return 4 * SEC + logNormal(this.o.rng, 0.8) * 18 * SEC;
  }

  /** An item the visitor would look at: their taste, the last item's neighbourhood, or what is popular. */
  private choose(s: Session): number {
    const { rng } = this.o;
    const v = s.visitor;
    const p = this.o.pools[v.market]!;
    for (let attempt = 0; attempt < 4; attempt++) {
      const r = rng.next();
      let pool: Pool = p.all;
      if (s.last >= 0 && r < 0.3) {
        const last = this.items[s.last]!;
        pool = rng.next() < 0.4 ? p.byBrand[last.brand]! : p.byCategory[last.category]!;
      } else if (r < 0.88) {
        const c = pickCumulative(v.tasteCum, 1, rng.next());
        const fav = v.favourites[c]!;
        pool = fav.length > 0 && rng.next() < v.shopper.brandLoyalty ? p.byBrand[rng.pick(fav)]! : p.byCategory[c]!;
      }
      const item = samplePool(pool, rng);
      if (item < 0) continue;
      const ratio = this.items[item]!.priceRatio;
      if (ratio > 1 && rng.next() > Math.pow(ratio, -2 * v.shopper.priceSensitivity)) continue;
      return item;
    }
    return samplePool(p.all, rng);
  }

  private cartChance(v: Visitor, item: SimItem): number {
    let p = 0.08 * (1 + 0.4 * item.quality);
    if (v.preferred.has(item.category)) p *= 1.8;
    if (v.favouriteSet.has(item.brand)) p *= 1.5;
    if (item.priceRatio > 1) p *= Math.pow(item.priceRatio, -v.shopper.priceSensitivity);
    return Math.min(0.6, Math.max(0.01, p));
  }

  /** Back to browsing, or, when the session has run its course, to checkout or the end. */
  private browseNext(s: Session, gap: number): void {
    const { rng } = this.o;
    s.t += gap;
    if (s.stepsLeft > 0) {
      s.next = BROWSE;
    } else if (s.cart.length > 0 && rng.next() < P_CHECKOUT) {
      s.next = CHECKOUT;
      s.paid = 0;
      s.t += 30 * SEC + rng.next() * 150 * SEC;
    } else {
      s.next = DONE;
    }
  }

  private browse(s: Session): ShopperEvent {
    const { rng } = this.o;
    s.stepsLeft--;
    const r = rng.next();
    if (r < P_SEARCH) return this.search(s);
    if (r < P_SEARCH + P_REMOVE && s.cart.length > 0) {
      const item = s.cart.splice(rng.int(s.cart.length), 1)[0]!;
      const e = this.itemEvent('remove_from_cart', s, item);
      this.browseNext(s, this.browseGap());
      return e;
    }
    const item = this.choose(s);
    if (rng.next() < P_CLICK) {
      // A click on a list (recommendations, category page) leads to the item's page.
      const e = this.itemEvent('click', s, item);
      s.item = item;
      s.next = VIEW;
      s.t += 500 + rng.next() * 2500;
      return e;
    }
    return this.view(s, item);
  }

  private view(s: Session, item: number): ShopperEvent {
    const { rng } = this.o;
    const e = this.itemEvent('view', s, item);
    s.last = item;
    if (!s.cart.includes(item) && rng.next() < this.cartChance(s.visitor, this.items[item]!)) {
      s.next = CART;
      s.item = item;
      s.t += 3 * SEC + logNormal(rng, 0.7) * 12 * SEC;
    } else {
      this.browseNext(s, this.browseGap());
    }
    return e;
  }

  /** A query for something the shopper wants; results are the market's items that carry its words. */
  private search(s: Session): ShopperEvent {
    const { rng } = this.o;
    const v = s.visitor;
    const target = this.items[this.choose(s)]!;
    const w = target.words;
    const r = rng.next();
    const shape = { adj: r >= 0.45 && r < 0.7, variant: r >= 0.7 && r < 0.85, brand: r >= 0.85 };
    const candidates = this.o.pools[v.market]!.byNoun[target.category]![w.noun]!;
    const found = this.found;
    found.length = 0;
    for (let i = 0; i < candidates.length && found.length < MAX_RESULTS; i++) {
      const c = this.items[candidates[i]!]!;
      if (shape.adj && c.words.adj !== w.adj) continue;
      if (shape.variant && c.words.variant !== w.variant) continue;
      if (shape.brand && c.brand !== target.brand) continue;
      found.push(c.index);
    }
    const e = this.head('search', v, s.id, s.t);
    e.query = composeQuery(w, v.shopper.lang, shape);
    e.results = found.map((i) => this.items[i]!.id);
    if (found.length > 0 && rng.next() < P_SEARCH_CLICK) {
      // Position bias: the first results take most clicks.
      s.item = found[Math.min(found.length - 1, Math.floor(exponential(rng, 1.5)))]!;
      e.clicked_item_id = this.items[s.item]!.id;
      s.next = CLICK;
      s.t += 2 * SEC + rng.next() * 6 * SEC;
    } else {
      this.browseNext(s, this.browseGap());
    }
    return e as ShopperEvent;
  }

  private purchase(s: Session): ShopperEvent {
    const { rng } = this.o;
    const item = s.cart[s.paid]!;
    const e = this.itemEvent('purchase', s, item) as Record<string, unknown>;
    const r = rng.next();
    e.quantity = r < 0.9 ? 1 : r < 0.98 ? 2 : 3;
    e.price = this.items[item]!.prices[s.visitor.market]!;
    e.currency = s.visitor.currency;
    if (rng.next() < P_REVIEW) {
      this.o.schedule({ kind: 'review', t: s.t + 2 * DAY + rng.next() * 12 * DAY, seq: 0, visitor: s.visitor, session: s.id, item });
    }
    s.paid++;
    if (s.paid >= s.cart.length) s.next = DONE;
    else s.t += 200 + rng.next() * 800;
    return e as ShopperEvent;
  }
}

export function createMachine(opts: MachineOptions): Machine {
  return new SessionMachine(opts);
}
