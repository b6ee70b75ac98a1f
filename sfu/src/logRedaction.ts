import type { LoggerOptions } from 'pino';

/**
 * What never reaches a log: tokens, cookies, authorization headers and e-mail addresses, wherever
 * they sit in a logged object (pino replaces the value with "[Redacted]").
 */
export const logRedaction: LoggerOptions['redact'] = {
  paths: [
    'token',
    '*.token',
    'accessToken',
    '*.accessToken',
    'refreshToken',
    '*.refreshToken',
    'access_token',
    '*.access_token',
    'refresh_token',
    '*.refresh_token',
    'code_verifier',
    '*.code_verifier',
    'cookie',
    '*.cookie',
    'email',
    '*.email',
    'user.email',
    '*.user.email',
    'headers.cookie',
    'headers.authorization',
    'req.headers.cookie',
    'req.headers.authorization',
    'res.headers["set-cookie"]',
    '*.headers.cookie',
    '*.headers.authorization',
  ],
};
