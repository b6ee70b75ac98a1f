import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthServer } from './HealthServer.js';

describe('HealthServer', () => {
  let reasons: string[] = [];
  const server = new HealthServer('parley_test', {
    notReadyReasons: async () => reasons,
    metrics: () => ({ finals_total: 3, active_utterances: 1 }),
  });
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
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toBe('parley_test_finals_total 3\nparley_test_active_utterances 1\n');
  });

  it('answers 404 elsewhere', async () => {
    expect((await fetch(`${base}/admin`)).status).toBe(404);
  });
});
