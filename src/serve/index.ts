export { type AuthOptions, OPEN_ACCESS, tenantFor } from './auth.ts';
export { buildOpsServer } from './ops.ts';
export { createApp, buildServer, type AppDeps, type ServerOptions } from './app.ts';
export { createMetrics, httpObserverOf, type Metrics, type MetricsOptions, type HttpObservation } from './metrics.ts';
export { ErrorBody, ItemList, ItemView, IngestResponse, type Limits } from './schemas.ts';
export { type GaugeSources, type ModelInService } from './engine-metrics.ts';
export { createRecallSampler, type RecallSampler, type RecallSamplerOptions, type RecallSource } from './recall-sampler.ts';
