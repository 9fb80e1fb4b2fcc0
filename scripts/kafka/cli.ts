// `npm run kafka`: a local broker for development, on KAFKA_PORT (default 9092) until Ctrl-C.
import { startKafka } from './broker.ts';

const port = Number(process.env.KAFKA_PORT ?? 9092);
if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
  console.error(`KAFKA_PORT must be a TCP port, got ${process.env.KAFKA_PORT}`);
  process.exit(2);
}

const kafka = await startKafka({ port, log: (line) => console.error(`[kafka] ${line}`) }).catch((error: unknown) => {
  console.error(`[kafka] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
console.log(`KAFKA_BROKERS=${kafka.brokers}`);

// The broker child is unref'd, so something must hold the event loop open until a signal arrives.
const keepAlive = setInterval(() => {}, 1 << 30);
const signal = await new Promise<NodeJS.Signals>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
console.error(`[kafka] ${signal}: stopping`);
await kafka.stop();
clearInterval(keepAlive);
console.error('[kafka] stopped');
