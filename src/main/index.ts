export * from './runtime.ts';
export * from './serve.ts';
export * from './demo.ts';
export * from './replay.ts';
export * from './worker.ts';
export * from './train.ts';
export * from './model-switcher.ts';
export * from './access.ts';
