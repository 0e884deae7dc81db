export * from './events.ts';
export * from './limits.ts';
export * from './validate.ts';
export * from './ports.ts';
