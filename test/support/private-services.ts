import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { waitFor } from './helpers.ts';

/*
 * Private servers for fault tests: started, stopped and restarted by the test on free ports, so the
 * shared test servers are never touched. Each keeps its data in the directory it is given, so a
 * restart finds what was there before.
 */

export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as { port: number };
  srv.close();
  await once(srv, 'close');
  return port;
}

export interface PrivateServer {
  /** Where clients connect: redis://… or host:port. */
  readonly url: string;
  /** Stops the server gracefully (SIGTERM) and waits for the process to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data; resolves once it answers. */
  start(): Promise<void>;
  running(): boolean;
}

async function exit(proc: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, 'exit');
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A process restarted on demand; `ready` is polled after each start. */
function managed(url: string, launch: () => ChildProcess, ready: () => Promise<boolean>, what: string, startMs: number, graceMs: number): PrivateServer {
  let proc: ChildProcess | undefined;
  return {
    url,
    running: () => proc !== undefined && proc.exitCode === null && proc.signalCode === null,
    async start() {
      proc = launch();
      const p = proc;
      await waitFor(async () => {
        if (p.exitCode !== null) throw new Error(`${what} exited with code ${p.exitCode}`);
        return ready();
      }, { what, timeoutMs: startMs, intervalMs: 200 });
    },
    async stop() {
      if (proc !== undefined) await exit(proc, 'SIGTERM', graceMs);
    },
  };
}

async function redisAnswers(port: number): Promise<boolean> {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

/** A private redis-server with an append-only file, so a restart keeps what was written. Started. */
export async function startPrivateRedis(dir: string): Promise<PrivateServer> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
  const server = managed(`redis://127.0.0.1:${port}`, () => spawn('redis-server', args, { stdio: 'ignore' }), () => redisAnswers(port), `private redis-server on ${port}`, 20_000, 10_000);
  await server.start();
  return server;
}

async function kafkaAnswers(brokers: string): Promise<boolean> {
  const kafka = new Kafka({ clientId: 'meridian-test-ready', brokers: [brokers], logLevel: logLevel.NOTHING, connectionTimeout: 1000, requestTimeout: 3000, retry: { retries: 0 } });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.listTopics();
    await admin.describeGroups(['meridian-test-ready']);
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const KAFKA_LIBS = resolve(import.meta.dirname, '../../.services/kafka/libs');

/**
 * A private single-node KRaft broker from the jars in .services/kafka/libs, formatted into `dir`
 * (as scripts/services/start.sh does for the shared one). Started; a restart keeps the log.
 */
export async function startPrivateKafka(dir: string): Promise<PrivateServer> {
  const [port, controller] = [await freePort(), await freePort()];
  const data = join(dir, 'data');
  await mkdir(data, { recursive: true });
  const props = join(dir, 'server.properties');
  await writeFile(props, [
    'process.roles=broker,controller', 'node.id=1', `controller.quorum.voters=1@127.0.0.1:${controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`, `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT', 'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT', `log.dirs=${data}`, 'num.partitions=4', 'auto.create.topics.enable=true',
    'default.replication.factor=1', 'min.insync.replicas=1', 'offsets.topic.replication.factor=1', 'offsets.topic.num.partitions=2',
    'transaction.state.log.replication.factor=1', 'transaction.state.log.min.isr=1', 'transaction.state.log.num.partitions=2',
    'share.coordinator.state.topic.replication.factor=1', 'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0', 'num.network.threads=2', 'num.io.threads=2', 'background.threads=2', '',
  ].join('\n'));
  const java = ['-cp', `${KAFKA_LIBS}/*`, `-Dkafka.logs.dir=${join(dir, 'logs')}`, '-Djava.awt.headless=true', '-XX:TieredStopAtLevel=1'];
  const clusterId = randomBytes(16).toString('base64url');
  const format = spawn('java', [...java, '-XX:+UseSerialGC', 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props], { stdio: 'ignore' });
  const [code] = (await once(format, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`formatting the private Kafka log in ${data} failed (exit ${code})`);
  const brokers = `127.0.0.1:${port}`;
  const launch = (): ChildProcess => spawn('java', [...java, '-Xms128m', '-Xmx384m', '-XX:+UseSerialGC', 'kafka.Kafka', props], { stdio: 'ignore' });
  const server = managed(brokers, launch, () => kafkaAnswers(brokers), `private Kafka broker on ${port}`, 90_000, 30_000);
  await server.start();
  return server;
}
