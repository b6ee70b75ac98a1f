import { fileURLToPath } from 'node:url';
import { ChildProcess } from '../ChildProcess.js';
import { freePort, httpOk, waitFor } from '../freePort.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A real OpenID provider process (oidc-provider) that Parley reaches through OIDC_ISSUER, as it would Google. */
export class OidcTestProvider {
  readonly clientId = 'parley-test-client';
  readonly clientSecret = 'parley-test-client-secret-0123456789abcdef';
  issuer = '';
  private child: ChildProcess | undefined;

  /** `parleyUrls`: every Parley origin that will sign in through it (its callback is registered). */
  async start(parleyUrls: string[], logFile?: string): Promise<this> {
    const port = await freePort();
    this.issuer = `http://127.0.0.1:${port}`;
    this.child = new ChildProcess({
      name: 'oidc',
      command: process.execPath,
      args: ['--import', 'tsx', 'scripts/lib/test-support/oidcProviderMain.ts'],
      cwd: ROOT,
      env: {
        ...process.env,
        OIDC_TEST_ISSUER: this.issuer,
        OIDC_TEST_CLIENT_ID: this.clientId,
        OIDC_TEST_CLIENT_SECRET: this.clientSecret,
        OIDC_TEST_REDIRECT_URIS: parleyUrls.map((u) => `${u}/auth/callback/google`).join(','),
      },
      logFile,
    });
    await waitFor('oidc provider', () => httpOk(`${this.issuer}/.well-known/openid-configuration`), 30_000, () => this.child?.deathReason);
    return this;
  }

  /** The environment that points Parley at this provider instead of Google. */
  parleyEnv(): NodeJS.ProcessEnv {
    return {
      AUTH: 'oidc',
      OIDC_ISSUER: this.issuer,
      AUTH_GOOGLE_ID: this.clientId,
      AUTH_GOOGLE_SECRET: this.clientSecret,
      AUTH_SECRET: 'test-auth-secret-Q2h7xP4mZ9vR1sT6uW3yB8nK5jL0aE',
      TOKEN_SIGNING_KEYS: 'k2:test-signing-key-two-Hf83Kd92Lq0Zx7Vb4Nm1Pw6,k1:test-signing-key-one-Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8',
    };
  }

  async stop(): Promise<void> {
    await this.child?.stop();
  }
}
