import { ParleyStack } from './lib/ParleyStack.js';

const port = Number(process.env.GATEWAY_PORT ?? 5026);
const host = process.env.HOST ?? '0.0.0.0';
const stack = new ParleyStack({
  port,
  host,
  echo: true,
  redisUrl: process.env.REDIS_URL,
  // Queued speech and finals not yet stored outlive a Redis restart (its append-only file lives here).
  redisDataDir: process.env.REDIS_DATA_DIR || 'data/redis',
  apertiumUrl: process.env.APERTIUM_URL,
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping Parley…');
  await stack.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

try {
  await stack.start();
} catch (error) {
  console.error(`Parley could not start: ${(error as Error).message}`);
  process.exit(1);
}
const publicUrl = process.env.PUBLIC_URL ?? `http://localhost:${port}`;
console.log(`\nParley is running: open ${publicUrl} in a browser (Ctrl-C stops everything).\n`);
