export * from './errors.ts';
export * from './logger.ts';
export * from './random.ts';
export * from './vector.ts';
export * from './instrumentation.ts';
export * from './types.ts';
export * from './text.ts';
export * from './id-table.ts';
