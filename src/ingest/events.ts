import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { LIMITS } from './limits.ts';

/**
 * The wire format of events: JSON with snake_case fields, one schema per type. The schemas are the
 * single source of truth for validation, the OpenAPI document and the TypeScript types.
 */
export const EVENT_TYPES = [
  'view',
  'click',
  'add_to_cart',
  'remove_from_cart',
  'purchase',
  'search',
  'review',
  'item_upsert',
  'item_delete',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export const SHOPPER_EVENT_TYPES = ['view', 'click', 'add_to_cart', 'remove_from_cart', 'purchase', 'search', 'review'] as const;
export type ShopperEventType = (typeof SHOPPER_EVENT_TYPES)[number];

/** An id: no white space and no control character (C0, DEL, C1); well-formed text is checked apart. */
export const Id = Type.String({ minLength: 1, maxLength: LIMITS.idChars, pattern: '^[^\\s\\x00-\\x1F\\x7F-\\x9F]+$' });
/** ISO 3166-1 alpha-2 country code, upper case. */
export const Market = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 country code, e.g. DE' });
/** BCP 47 language tag: language, optional script and region. */
export const Locale = Type.String({
  pattern: '^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$',
  description: 'BCP 47 tag, e.g. de-DE, ja-JP, pt-BR',
});
export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. EUR' });
export const Tenant = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9_-]*$', default: 'default' });
export const Timestamp = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000, description: 'event time, ms since epoch' });
export const Money = Type.Object(
  { amount: Type.Number({ minimum: 0 }), currency: Currency },
  { additionalProperties: false },
);
export type Money = Static<typeof Money>;

const common = {
  id: Id,
  tenant: Type.Optional(Tenant),
  market: Market,
  locale: Locale,
  user_id: Type.Optional(Id),
  session_id: Type.Optional(Id),
  ts: Timestamp,
};
/** Catalog events are not a shopper's: market and locale are optional, no user is needed. */
const catalogCommon = {
  id: Id,
  tenant: Type.Optional(Tenant),
  market: Type.Optional(Market),
  locale: Type.Optional(Locale),
  user_id: Type.Optional(Id),
  session_id: Type.Optional(Id),
  ts: Timestamp,
};
const strict = { additionalProperties: false } as const;

const itemEvent = <T extends EventType>(type: T) =>
  Type.Object({ type: Type.Literal(type), ...common, item_id: Id }, strict);

export const ViewEvent = itemEvent('view');
export const ClickEvent = itemEvent('click');
export const AddToCartEvent = itemEvent('add_to_cart');
export const RemoveFromCartEvent = itemEvent('remove_from_cart');
export const PurchaseEvent = Type.Object(
  {
    type: Type.Literal('purchase'),
    ...common,
    item_id: Id,
    quantity: Type.Integer({ minimum: 1, maximum: 10_000 }),
    price: Type.Number({ minimum: 0 }),
    currency: Currency,
  },
  strict,
);
export const SearchEvent = Type.Object(
  {
    type: Type.Literal('search'),
    ...common,
    query: Type.String({ minLength: 1, maxLength: LIMITS.queryChars }),
    results: Type.Array(Id, { maxItems: LIMITS.maxSearchResults }),
    clicked_item_id: Type.Optional(Id),
  },
  strict,
);
export const ReviewEvent = Type.Object(
  {
    type: Type.Literal('review'),
    ...common,
    item_id: Id,
    rating: Type.Integer({ minimum: 1, maximum: 5 }),
    text: Type.String({ maxLength: LIMITS.textChars }),
  },
  strict,
);
const LocalizedText = (maxLength: number) =>
  Type.Record(Locale, Type.String({ minLength: 1, maxLength }), {
    minProperties: 0,
    maxProperties: LIMITS.maxLocales,
    additionalProperties: false,
  });
export const ItemUpsertEvent = Type.Object(
  {
    type: Type.Literal('item_upsert'),
    ...catalogCommon,
    item_id: Id,
    titles: Type.Record(Locale, Type.String({ minLength: 1, maxLength: LIMITS.titleChars }), {
      minProperties: 1,
      maxProperties: LIMITS.maxLocales,
      additionalProperties: false,
    }),
    descriptions: Type.Optional(LocalizedText(LIMITS.textChars)),
    category: Type.String({ minLength: 1, maxLength: 128 }),
    brand: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    prices: Type.Record(Market, Money, { maxProperties: LIMITS.maxMarkets, additionalProperties: false }),
    available_in: Type.Array(Market, { maxItems: LIMITS.maxMarkets, uniqueItems: true }),
  },
  strict,
);
export const ItemDeleteEvent = Type.Object(
  { type: Type.Literal('item_delete'), ...catalogCommon, item_id: Id },
  strict,
);

export const EVENT_SCHEMAS = {
  view: ViewEvent,
  click: ClickEvent,
  add_to_cart: AddToCartEvent,
  remove_from_cart: RemoveFromCartEvent,
  purchase: PurchaseEvent,
  search: SearchEvent,
  review: ReviewEvent,
  item_upsert: ItemUpsertEvent,
  item_delete: ItemDeleteEvent,
} as const satisfies Record<EventType, TSchema>;

export const AnyEvent = Type.Union(Object.values(EVENT_SCHEMAS), { description: 'one Meridian event' });

export type ViewEvent = Static<typeof ViewEvent>;
export type ClickEvent = Static<typeof ClickEvent>;
export type AddToCartEvent = Static<typeof AddToCartEvent>;
export type RemoveFromCartEvent = Static<typeof RemoveFromCartEvent>;
export type PurchaseEvent = Static<typeof PurchaseEvent>;
export type SearchEvent = Static<typeof SearchEvent>;
export type ReviewEvent = Static<typeof ReviewEvent>;
export type ItemUpsertEvent = Static<typeof ItemUpsertEvent>;
export type ItemDeleteEvent = Static<typeof ItemDeleteEvent>;

/** A validated event. `tenant` is always filled in (default "default"). */
export type MeridianEvent = (
  | ViewEvent
  | ClickEvent
  | AddToCartEvent
  | RemoveFromCartEvent
  | PurchaseEvent
  | SearchEvent
  | ReviewEvent
  | ItemUpsertEvent
  | ItemDeleteEvent
) & { tenant: string };

export type ShopperEvent = Extract<MeridianEvent, { type: ShopperEventType }>;
export type CatalogEvent = Extract<MeridianEvent, { type: 'item_upsert' | 'item_delete' }>;

export function isShopperEvent(e: MeridianEvent): e is ShopperEvent {
  return e.type !== 'item_upsert' && e.type !== 'item_delete';
}

/** The shopper key of an event: the user id when known, else the anonymous session. */
export function shopperKey(e: { user_id?: string | undefined; session_id?: string | undefined }): string | undefined {
  if (e.user_id !== undefined) return `u:${e.user_id}`;
  if (e.session_id !== undefined) return `s:${e.session_id}`;
  return undefined;
}
