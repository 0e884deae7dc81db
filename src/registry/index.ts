export * from './types.ts';
export * from './registry.ts';
export { codeVersion } from './code-version.ts';
export * from './encoders.ts';
export type { BlendSection, LearnedBlend, SequenceSection } from './serving.ts';
