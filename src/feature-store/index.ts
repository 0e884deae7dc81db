export * from './port.ts';
export * from './open.ts';
export * from './memory/index.ts';
export * from './redis/index.ts';
