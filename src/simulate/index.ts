export { MARKETS, LANGS, marketInfo, roundPrice, localPrice, type MarketInfo, type Lang, type Rounding } from './markets.ts';
export { CATEGORIES, PHRASES, type CategoryTable, type Row } from './vocab/index.ts';
export { createCatalog, type Catalog, type CatalogOptions, type SimItem, type Brand, type UpsertEvent } from './catalog.ts';
export { createShoppers, type Shopper, type ShopperOptions } from './shoppers.ts';
export { createTraffic, type TrafficOptions, type TrafficEvent } from './traffic.ts';
export { sentimentOf, type Sentiment } from './text.ts';
export {
  writeNdjson,
  postEvents,
  publishEvents,
  realClock,
  type EventSource,
  type PaceClock,
  type PostCounts,
  type PostOptions,
  type PublishOptions,
} from './sinks.ts';
export { simulate, type SimulateDeps, type SimulateFlags } from './cli.ts';
