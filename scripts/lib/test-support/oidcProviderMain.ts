// A local OpenID provider standing in for Google in tests (oidc-provider's development login:
// any login name, any password). Started as its own process by OidcTestProvider.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const issuer = process.env.OIDC_TEST_ISSUER!;
const port = Number(new URL(issuer).port);
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_TEST_CLIENT_ID!,
      client_secret: process.env.OIDC_TEST_CLIENT_SECRET!,
      redirect_uris: process.env.OIDC_TEST_REDIRECT_URIS!.split(','),
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      claims: () => ({ sub: id, email: `${id}@example.test`, email_verified: true, name: id.charAt(0).toUpperCase() + id.slice(1) }),
    };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // Google puts email and name in the id_token; so must the stand-in.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  cookies: { keys: ['parley-oidc-test-cookie-key-0123456789'] },
});
createServer(provider.callback()).listen(port, '127.0.0.1', () => console.log(`oidc test provider at ${issuer}`));
