export { createApp, buildServer, type AppDeps, type ServerOptions } from './app.ts';
export { createMetrics, httpObserverOf, type Metrics, type MetricsOptions, type HttpObservation } from './metrics.ts';
export { ErrorBody, ItemList, ItemView, IngestResponse, type Limits } from './schemas.ts';
export { type GaugeSources, type ModelInService } from './engine-metrics.ts';
export { createRecallSampler, type RecallSampler, type RecallSamplerOptions, type RecallSource } from './recall-sampler.ts';
export { HTTP_TIMEOUTS, type CorsOptions, type HttpTimeouts } from './http-limits.ts';
export { createMemoryRateStore, MEMORY_BUCKETS_MAX, type BucketLimit, type RateLimitOptions, type RateStore, type Refusal } from './rate-limit.ts';
export { openRedisRateStore, type RedisRateStore, type RedisRateStoreOptions } from './rate-limit-redis.ts';
