import { Counter, Gauge, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthServer } from './HealthServer.js';

describe('HealthServer', () => {
  let reasons: string[] = [];
  const registry = new Registry();
  new Counter({ name: 'parley_test_finals_total', help: 'finals', registers: [registry] }).inc(3);
  let failCollect = false;
  new Gauge({
    name: 'parley_test_active_utterances',
    help: 'active',
    registers: [registry],
    collect() {
      if (failCollect) throw new Error('redis is away');
      this.set(1);
    },
  });
  const server = new HealthServer(registry, { notReadyReasons: async () => reasons });
  let base: string;

  beforeAll(async () => {
    base = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
  });
  afterAll(() => server.close());

  it('is healthy while the process runs', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('is ready only without reasons, and says which', async () => {
    reasons = [];
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    reasons = ['model not loaded', 'redis unreachable'];
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ ready: false, reasons });
  });

  it('serves metrics in the Prometheus text format', async () => {
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/^# TYPE parley_test_finals_total counter\nparley_test_finals_total 3$/m);
    expect(text).toMatch(/^parley_test_active_utterances 1$/m);
  });

  it('answers 500 with the reason when a metric cannot be collected, and keeps serving', async () => {
    failCollect = true;
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(500);
    expect(await response.text()).toMatch(/redis is away/);
    failCollect = false;
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });

  it('answers 404 elsewhere', async () => {
    expect((await fetch(`${base}/admin`)).status).toBe(404);
  });
});
