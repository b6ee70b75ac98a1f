/**
 * Signs in to Parley over plain HTTP the way a browser does (form posts, redirects, cookies)
 * through a real OpenID provider's login and consent pages. For tests that need many signed-in
 * users without a browser each.
 */
export class CookieJar {
  private readonly byHost = new Map<string, Map<string, string>>();

  store(url: string, response: Response): void {
    const host = new URL(url).hostname;
    const cookies = this.byHost.get(host) ?? new Map<string, string>();
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      if (!value || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) cookies.delete(name);
      else cookies.set(name, value);
    }
    this.byHost.set(host, cookies);
  }

  header(url: string): string {
    return [...(this.byHost.get(new URL(url).hostname) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export class SignedInClient {
  csrfToken = '';
  userId = '';

  constructor(
    readonly baseUrl: string,
    readonly jar: CookieJar,
  ) {}

  /** A request as the signed-in page would make it: cookies, same Origin, and the CSRF token. */
  async fetch(path: string, init: RequestInit & { json?: unknown; noCsrf?: boolean } = {}): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    const headers = new Headers(init.headers);
    headers.set('cookie', this.jar.header(url));
    if (!headers.has('origin')) headers.set('origin', this.baseUrl);
    if (init.method && init.method !== 'GET' && !init.noCsrf && this.csrfToken && !headers.has('x-csrf-token')) headers.set('x-csrf-token', this.csrfToken);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    const response = await fetch(url, { ...init, headers, body, redirect: 'manual' });
    this.jar.store(url, response);
    return response;
  }

  async socketToken(): Promise<string> {
    const response = await this.fetch('/api/socket-token');
    const body = (await response.json()) as { token?: string; error?: string };
    if (!body.token) throw new Error(`no socket token: ${response.status} ${body.error ?? ''}`);
    return body.token;
  }

  async signOut(): Promise<void> {
    const csrf = (await (await this.fetch('/auth/csrf')).json()) as { csrfToken: string };
    await this.fetch('/auth/signout', {
      method: 'POST',
      noCsrf: true,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrfToken: csrf.csrfToken, callbackUrl: this.baseUrl }).toString(),
    });
  }
}

/** Follows redirects by hand, keeping cookies per host, answering the provider's login and consent forms. */
export async function signInOverHttp(baseUrl: string, login: string, jar = new CookieJar()): Promise<SignedInClient> {
  const client = new SignedInClient(baseUrl, jar);
  const { csrfToken } = (await (await client.fetch('/auth/csrf')).json()) as { csrfToken: string };
  let response = await client.fetch('/auth/signin/google', {
    method: 'POST',
    noCsrf: true,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrfToken, callbackUrl: `${baseUrl}/` }).toString(),
  });
  let url = `${baseUrl}/auth/signin/google`;
  for (let step = 0; step < 20; step++) {
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url).toString();
      if (url === `${baseUrl}/`) break;
      response = await fetch(url, { headers: { cookie: jar.header(url) }, redirect: 'manual' });
      jar.store(url, response);
      continue;
    }
    const html = await response.text();
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (response.status !== 200 || !prompt) throw new Error(`sign-in stopped at ${url}: ${response.status} ${html.slice(0, 300)}`);
    const form: Record<string, string> = prompt === 'login' ? { prompt, login, password: 'any' } : { prompt };
    response = await fetch(url, {
      method: 'POST',
      headers: { cookie: jar.header(url), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
    jar.store(url, response);
  }
  const me = (await (await client.fetch('/api/me')).json()) as { user: { id: string } | null; csrfToken: string | null };
  if (!me.user || !me.csrfToken) throw new Error(`signed in as ${login} but /api/me says nobody`);
  client.userId = me.user.id;
  client.csrfToken = me.csrfToken;
  return client;
}
