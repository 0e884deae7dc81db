export { createKafkaBus, isKafkaBus, type KafkaBus, type KafkaBusOptions } from './bus.ts';
export { createKafkaClient, ensureTopics } from './client.ts';
export { DEFAULT_CONSUMER_TUNING, type ConsumerTuning, type KafkaSubscribeOptions } from './consumer.ts';
export { APPLY_FAILED, DLQ_HEADERS, TYPE_HEADER, deadLetterHeaders, encodeEvent, ERROR_CHARS, errorText, messageKey } from './messages.ts';
export { parseKafkaUrl, type KafkaUrl } from './url.ts';
