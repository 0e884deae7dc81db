export * from './stats.ts';
export type { CountTable } from './rows.ts';
export * from './sparse.ts';
export * from './components.ts';
export * from './neighbours.ts';
export * from './model.ts';
export * from './online.ts';
export * from './events.ts';
export * from './service.ts';
