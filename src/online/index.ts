export * from './tenants.ts';
export * from './updater.ts';
export * from './list-cache.ts';
export * from './catalog.ts';
