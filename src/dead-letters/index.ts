export * from './port.ts';
export * from './open.ts';
export * from './sinks.ts';
export { createKafkaDeadLetterSink, type KafkaDeadLetterSinkOptions } from './kafka.ts';
export { deadLetterRaw, DEAD_LETTER_RAW_DEPTH } from './serialize.ts';
export { PERSONAL_FIELDS, digestOf, redactLetter, redactingSink, type Redaction } from './redact.ts';
