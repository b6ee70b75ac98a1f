// What the test global setup (scripts/test-services.ts) provides to every test file.
// Test files run in parallel against one Redis: each uses its own database number (0–63; redis-server runs with 64), e.g.
// `${inject('redisUrl')}/4`; pub/sub channels are shared, so rooms get unique names.
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    apertiumUrl: string;
  }
}
