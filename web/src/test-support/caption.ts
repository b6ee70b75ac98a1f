import type { Caption } from '@parley/protocol';

/** A caption as the server sends it: Ana's interim, English into Spanish, changed by `overrides`. */
export function testCaption(overrides: Partial<Caption> = {}): Caption {
  return {
    room: 'demo',
    utteranceId: 'u1',
    seq: 0,
    kind: 'interim',
    speakerId: 'ana',
    speakerName: 'Ana',
    lang: 'es',
    text: 'hola',
    sourceLang: 'en',
    sourceText: 'hello',
    engine: 'pocketsphinx+apertium',
    audioEndAtMs: 0,
    ...overrides,
  };
}
