export { openRedisFeatureStore, type RedisFeatureStoreOptions } from './store.ts';
