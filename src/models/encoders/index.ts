export * from './user.ts';
export * from './item2vec.ts';
export * from './content-map.ts';
export * from './augment.ts';
export * from './next-item.ts';
