import { MeridianError } from '../../core/index.ts';
import type { ConsumerTuning } from './consumer.ts';

/** What a `kafka://` URL names: the brokers, the events topic and its dead-letter topic. */
export interface KafkaUrl {
  brokers: string[];
  topic: string;
  deadLetterTopic: string;
  /** Partitions of topics created at start. */
  partitions: number;
  clientId: string;
  /** Consumer settings given in the URL (most events per handler call, handler calls at once). */
  consumer: Partial<Pick<ConsumerTuning, 'maxBatch' | 'concurrency'>>;
}

export const DEFAULT_EVENTS_TOPIC = 'meridian.events';
const PARAMS = new Set(['topic', 'dlq', 'partitions', 'clientId', 'maxBatch', 'concurrency']);
/** Integer parameters and their bounds. */
const INTEGERS = { partitions: [1, 1024], maxBatch: [1, 100_000], concurrency: [1, 64] } as const;
/** Kafka's own rule for topic names. */
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
const BROKER = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+):(\d{1,5})$/;

export function isTopicName(name: string): boolean {
  return TOPIC.test(name) && name !== '.' && name !== '..';
}

/**
 * Parses `kafka://host:port[,host:port…][?topic=…&dlq=…&partitions=…&clientId=…&maxBatch=…&concurrency=…]`.
 * The dead-letter topic defaults to `<topic>.dlq`. Anything else in the URL is an error, so a typo
 * never passes.
 */
export function parseKafkaUrl(url: string): KafkaUrl {
  const bad = (why: string): MeridianError => new MeridianError('config_invalid', `event bus URL "${url}": ${why}`);
  if (!url.startsWith('kafka://')) throw bad('expected kafka://host:port[,host:port…][?topic=…]');
  const rest = url.slice('kafka://'.length);
  const q = rest.indexOf('?');
  const hosts = q < 0 ? rest : rest.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : rest.slice(q + 1));
  if (hosts.includes('/')) throw bad('a path is not supported; name the topic with ?topic=<name>');
  const brokers = hosts.split(',').filter((h) => h !== '');
  if (brokers.length === 0) throw bad('no broker; expected kafka://host:port');
  for (const b of brokers) {
    const m = BROKER.exec(b);
    const port = Number(m?.[2]);
    if (m === null || port < 1 || port > 65535) throw bad(`broker "${b}" is not host:port`);
  }
  for (const key of params.keys()) {
    if (!PARAMS.has(key)) throw bad(`unknown parameter "${key}" (known: ${[...PARAMS].join(', ')})`);
  }
  const topic = params.get('topic') ?? DEFAULT_EVENTS_TOPIC;
  const deadLetterTopic = params.get('dlq') ?? `${topic}.dlq`;
  for (const t of [topic, deadLetterTopic]) {
    if (!isTopicName(t)) throw bad(`"${t}" is not a valid topic name (letters, digits, . _ -, at most 249)`);
  }
  if (topic === deadLetterTopic) throw bad('the dead-letter topic must differ from the events topic');
  const integer = (name: keyof typeof INTEGERS): number | undefined => {
    const raw = params.get(name);
    if (raw === null) return undefined;
    const [min, max] = INTEGERS[name];
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) throw bad(`${name} must be an integer in ${min}..${max}, got "${raw}"`);
    return n;
  };
  const partitions = integer('partitions') ?? 4;
  const maxBatch = integer('maxBatch');
  const concurrency = integer('concurrency');
  const clientId = params.get('clientId') ?? 'meridian';
  if (!/^[a-zA-Z0-9._-]{1,64}$/.test(clientId)) throw bad(`clientId "${clientId}" must be 1-64 letters, digits, . _ -`);
  const consumer = { ...(maxBatch === undefined ? {} : { maxBatch }), ...(concurrency === undefined ? {} : { concurrency }) };
  return { brokers, topic, deadLetterTopic, partitions, clientId, consumer };
}
