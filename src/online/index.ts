export * from './encoder.ts';
export * from './tenants.ts';
