// Smoke test of the test broker with kafkajs: creates a topic, produces one message, consumes it in a
// fresh consumer group, deletes the topic. Exits 0 and prints the round trip time on success.
//   node scripts/services/kafka-smoke.mjs [host:port,...]
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const brokers = (process.argv[2] ?? process.env.MERIDIAN_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const timeoutMs = Number(process.env.KAFKA_SMOKE_TIMEOUT_MS ?? 60_000);
const kafka = new Kafka({ clientId: 'meridian-services-smoke', brokers, logLevel: logLevel.WARN });
const id = randomUUID();
const topic = `meridian-smoke-${id}`;
const admin = kafka.admin();
const producer = kafka.producer();
const consumer = kafka.consumer({ groupId: `meridian-smoke-${id}` });

const started = performance.now();
const timer = setTimeout(() => {
  console.error(`kafka smoke: no message back within ${timeoutMs} ms`);
  process.exit(1);
}, timeoutMs);

try {
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const received = new Promise((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        if (message.key?.toString() === id) resolve(message.value?.toString());
      },
    });
  });
  await producer.send({ topic, acks: -1, messages: [{ key: id, value: `hello ${id}` }] });
  const value = await received;
  if (value !== `hello ${id}`) throw new Error(`unexpected value ${String(value)}`);
  const ms = Math.round(performance.now() - started);
  console.log(`kafka smoke: produced and consumed 1 message on ${brokers.join(',')} in ${ms} ms`);
  await consumer.disconnect();
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
  clearTimeout(timer);
} catch (err) {
  console.error(`kafka smoke failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
}
