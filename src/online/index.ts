export * from './encoder.ts';
export * from './tenants.ts';
export * from './updater.ts';
export * from './sequence.ts';
export * from './list-cache.ts';
export * from './sequence-core.ts';
export * from './sequence-service.ts';
