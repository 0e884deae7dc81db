export * from './port.ts';
export * from './open.ts';
export { compareEvents, inRange, storedItem, storedShopper } from './range.ts';
export * from './memory.ts';
export * from './chdb.ts';
export * from './clickhouse/index.ts';
