export { createApp, buildServer, type AppDeps, type ServerOptions } from './app.ts';
export { createMetrics, httpObserverOf, type Metrics, type MetricsOptions, type HttpObservation } from './metrics.ts';
export { ErrorBody, ItemList, ItemView, IngestResponse, type Limits } from './schemas.ts';
