import { Writable } from 'node:stream';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { logRedaction } from './logRedaction.js';

it('keeps tokens, cookies, authorization headers and e-mail addresses out of the logs', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const log = pino({ redact: logRedaction }, sink);
  log.info({ token: 'tok-secret', user: { email: 'ana@example.test', name: 'Ana' } }, 'signed in');
  log.info({ req: { headers: { cookie: 'authjs.session-token=cookie-secret', authorization: 'Bearer bearer-secret', host: 'parley' } } }, 'request');
  log.info({ body: { refresh_token: 'refresh-secret', access_token: 'access-secret', code_verifier: 'verifier-secret' } }, 'desktop');
  log.warn({ err: { code: 'ECONNREFUSED', message: 'redis down' } }, 'redis');
  const output = lines.join('');
  for (const secret of ['tok-secret', 'ana@example.test', 'cookie-secret', 'bearer-secret', 'refresh-secret', 'access-secret', 'verifier-secret']) {
    expect(output).not.toContain(secret);
  }
  expect(output).toContain('[Redacted]');
  expect(output).toContain('"name":"Ana"');
  expect(output).toContain('"host":"parley"');
  expect(output).toContain('ECONNREFUSED');
});
