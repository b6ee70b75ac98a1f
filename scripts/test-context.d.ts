// What the test global setup (scripts/test-services.ts) provides to every test file.
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    apertiumUrl: string;
  }
}
