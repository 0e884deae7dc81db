// Readiness probe for the test broker: exits 0 once a kafkajs client (the client the Kafka adapter
// uses) gets the cluster metadata, lists topics and finds the group coordinator (which creates the
// offsets topic, so the first consumer group of a test does not wait for it). One attempt; start.sh
// polls.
//   node scripts/services/kafka-ready.mjs [host:port,...]
import { Kafka, logLevel } from 'kafkajs';

const brokers = (process.argv[2] ?? process.env.MERIDIAN_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const kafka = new Kafka({
  clientId: 'meridian-services-ready',
  brokers,
  logLevel: logLevel.NOTHING,
  connectionTimeout: 1000,
  requestTimeout: 3000,
  retry: { retries: 0 },
});
const admin = kafka.admin();
let code = 1;
try {
  await admin.connect();
  const cluster = await admin.describeCluster();
  await admin.listTopics();
  await admin.describeGroups(['meridian-services-ready']);
  if (cluster.brokers.length > 0 && cluster.controller !== null) code = 0;
  else console.error(`not ready: ${cluster.brokers.length} brokers, controller ${cluster.controller}`);
} catch (err) {
  console.error(`not ready: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  await admin.disconnect().catch(() => {});
}
process.exit(code);
