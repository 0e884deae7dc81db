export { clickHouseUrlOptions, createClickHouseEventStore, type ClickHouseEventStoreOptions, type ClickHouseStoreOptions } from './store.ts';
