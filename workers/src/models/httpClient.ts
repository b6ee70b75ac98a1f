/**
 * Just enough HTTP for fetching model files: a bound on reaching the server (so no network fails
 * in seconds, not minutes), manual redirects (the Hub's checksum headers are on the redirect
 * itself), and HTTPS_PROXY through a CONNECT tunnel, which Node 20's fetch does not do.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import tls from 'node:tls';

export interface HttpRequestOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** DNS, connect, TLS and response headers must all be done within this. */
  connectTimeoutMs: number;
  /** "http://user:pass@proxy:3128"; used for https URLs only. */
  proxy?: string;
}

/** The server could not be reached at all (DNS, refused, unroutable, timed out). */
export class NetworkUnreachableError extends Error {
  override name = 'NetworkUnreachableError';
  constructor(
    message: string,
    readonly host: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

const UNREACHABLE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EPROTO', 'CONNECT_TIMEOUT', 'PROXY_REFUSED']);

/** The proxy for `url` from HTTPS_PROXY/https_proxy, unless NO_PROXY names its host. */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (url.protocol !== 'https:') return undefined;
  const proxy = env.HTTPS_PROXY || env.https_proxy;
  if (!proxy) return undefined;
  const noProxy = (env.NO_PROXY || env.no_proxy || '').split(',').map((s) => s.trim().replace(/^\*?\./, '')).filter(Boolean);
  const host = url.hostname;
  if (noProxy.some((suffix) => suffix === '*' || host === suffix || host.endsWith(`.${suffix}`))) return undefined;
  return proxy;
}

/** Resolves with the response once its headers are in; the caller reads or discards the body. */
export function httpRequest(url: URL, options: HttpRequestOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: Error & { code?: string }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const code = error.code;
      reject(code && UNREACHABLE_CODES.has(code) ? new NetworkUnreachableError(error.message, url.hostname, code) : error);
    };
    const timer = setTimeout(() => {
      const error = Object.assign(new Error(`no answer from ${url.hostname} within ${options.connectTimeoutMs / 1000} s`), { code: 'CONNECT_TIMEOUT' });
      fail(error);
      request?.destroy(error);
      tunnel?.destroy(error);
    }, options.connectTimeoutMs);
    let request: http.ClientRequest | undefined;
    const send = (createConnection?: () => tls.TLSSocket): void => {
      const lib = url.protocol === 'https:' ? https : http;
      request = lib.request(url, { method: options.method ?? 'GET', headers: { 'user-agent': 'parley-models/1', ...options.headers }, agent: false, createConnection });
      request.on('response', (response) => {
        if (settled) {
          response.destroy();
          return;
        }
        settled = true;
        clearTimeout(timer);
        resolve(response);
      });
      request.on('error', fail);
      request.end();
    };
    const tunnel = options.proxy ? openTunnel(new URL(options.proxy), url, send, fail) : undefined;
    if (!tunnel) send();
  });
}

/** CONNECT through the proxy, then `send` over TLS on the tunnel's socket. */
function openTunnel(proxy: URL, url: URL, send: (createConnection: () => tls.TLSSocket) => void, fail: (error: Error & { code?: string }) => void): http.ClientRequest {
  const target = `${url.hostname}:${url.port || 443}`;
  const headers: Record<string, string> = { host: target };
  if (proxy.username) headers['proxy-authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
  const tunnel = http.request({ host: proxy.hostname, port: proxy.port || 80, method: 'CONNECT', path: target, headers, agent: false });
  tunnel.on('connect', (response, socket) => {
    if (response.statusCode !== 200) {
      socket.destroy();
      fail(Object.assign(new Error(`the proxy ${proxy.host} refused the tunnel (HTTP ${response.statusCode})`), { code: 'PROXY_REFUSED' }));
      return;
    }
    send(() => tls.connect({ socket, servername: url.hostname }));
  });
  tunnel.on('error', fail);
  tunnel.end();
  return tunnel;
}

/** Follows redirects (same method and headers), calling `onHop` with every response on the way. */
export async function followRedirects(
  url: URL,
  options: Omit<HttpRequestOptions, 'proxy'> & { proxyEnv?: NodeJS.ProcessEnv },
  onHop: (response: IncomingMessage, url: URL) => boolean | void = () => {},
  maxHops = 8,
): Promise<{ response: IncomingMessage; url: URL }> {
  let current = url;
  for (let hop = 0; hop <= maxHops; hop++) {
    const response = await httpRequest(current, { ...options, proxy: proxyFor(current, options.proxyEnv ?? process.env) });
    const stop = onHop(response, current) === true;
    const location = response.headers.location;
    if (stop || !location || !response.statusCode || response.statusCode < 300 || response.statusCode >= 400) return { response, url: current };
    response.resume();
    current = new URL(location, current);
  }
  throw new Error(`too many redirects fetching ${url.href}`);
}
