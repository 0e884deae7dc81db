export * from './types.ts';
export * from './engine.ts';
export { pickTitle } from './hydrate.ts';
export { RECOMMEND_EF } from './recommend.ts';
