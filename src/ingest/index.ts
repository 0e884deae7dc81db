export * from './events.ts';
export * from './limits.ts';
export * from './validate.ts';
export { csvObject, parseCsvHeader, parseCsvRecord } from './csv.ts';
export * from './log-reader.ts';
