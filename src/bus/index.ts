export * from './port.ts';
export * from './open.ts';
export * from './memory.ts';
export * from './kafka/index.ts';
