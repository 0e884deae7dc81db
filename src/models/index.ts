export * from './sequence/index.ts';
export * from './encoders/index.ts';
export * from './data.ts';
export * from './tf.ts';
