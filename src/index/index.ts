export * from './types.ts';
export * from './hnsw.ts';
export * from './exact.ts';
export * from './bm25.ts';
