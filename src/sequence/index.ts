export * from './stats.ts';
export * from './sparse.ts';
export * from './components.ts';
export * from './model.ts';
