import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{protocol,client,sfu,workers,web,desktop-shell,scripts,bench}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['./scripts/test-services.ts'],
    // GitHub's workflow parser imports its JSON schema without an import attribute, which Node refuses.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
