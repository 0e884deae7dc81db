export * from './types.ts';
export * from './engine.ts';
export { pickTitle } from './hydrate.ts';
