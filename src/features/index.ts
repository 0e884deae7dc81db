export * from './types.ts';
export * from './config.ts';
export * from './user-state.ts';
export * from './validate.ts';
export { log2AddExp } from './trending.ts';
export * from './sentiment.ts';
export * from './writes.ts';
export * from './memory-store.ts';
export * from './arena.ts';
