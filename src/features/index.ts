export * from './types.ts';
export * from './config.ts';
export * from './user-state.ts';
export * from './validate.ts';
export { createTrendBoard, log2AddExp, type TrendBoard } from './trending.ts';
export { BoundedCounts, topOf } from './neighbours.ts';
export * from './sentiment.ts';
export * from './writes.ts';
