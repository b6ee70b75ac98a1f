import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { ConfigError, loadSfuConfig } from './config.js';
import { SfuServer } from './SfuServer.js';
import { logRedaction } from './logRedaction.js';

let config;
try {
  config = loadSfuConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
const log = pino({ name: 'sfu', level: config.LOG_LEVEL, redact: logRedaction });
const server = new SfuServer(
  { ...config, WEB_DIST_DIR: config.WEB_DIST_DIR ?? fileURLToPath(new URL('../../web/dist', import.meta.url)) },
  log,
);
const port = await server.listen();
log.info({ port, metricsPort: server.metricsPort }, 'sfu listening');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void server.close().finally(() => process.exit(0));
  });
}
