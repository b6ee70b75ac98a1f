import type { Redis } from 'ioredis';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ProcessKind } from '@parley/protocol/metrics';

/**
 * What every Parley process exports besides its own figures: Node's defaults (CPU, memory,
 * event-loop lag), `parley_process_info{kind}` and whether its Redis connection is ready.
 */
export function processRegistry(kind: ProcessKind, redis: Pick<Redis, 'status'>): Registry {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  new Gauge({ name: 'parley_process_info', help: 'Always 1; the label says which Parley process this is.', labelNames: ['kind'], registers }).set({ kind }, 1);
  new Gauge({
    name: 'parley_redis_connected',
    help: '1 while the connection to Redis is ready.',
    registers,
    collect() {
      this.set(redis.status === 'ready' ? 1 : 0);
    },
  });
  return registry;
}
