import { describe, expect, it } from 'vitest';
import type { Caption } from '@parley/protocol';
import { testCaption } from '../test-support/caption';
import { CaptionReader } from './CaptionReader';

function caption(overrides: Partial<Caption> = {}): Caption {
  return testCaption({ room: 'r', utteranceId: 'u', seq: 1, kind: 'final', engine: 'x', ...overrides });
}

/** A stand-in for the browser's speech synthesis: headless Chromium here has no voices to speak with. */
class RecordingSynth {
  spoken: { text: string; lang: string; voice: string | undefined }[] = [];
  cancelled = 0;
  constructor(private readonly voices: { voiceURI: string; lang: string }[]) {}
  getVoices() {
    return this.voices as SpeechSynthesisVoice[];
  }
  speak(u: { text: string; lang: string; voice: SpeechSynthesisVoice | null }) {
    this.spoken.push({ text: u.text, lang: u.lang, voice: u.voice?.voiceURI });
  }
  cancel() {
    this.cancelled += 1;
  }
}

globalThis.SpeechSynthesisUtterance ??= class {
  lang = '';
  voice: SpeechSynthesisVoice | null = null;
  onend: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly text: string) {}
} as unknown as typeof SpeechSynthesisUtterance;

describe('CaptionReader', () => {
  it('reads only others’ translated, non-empty finals', () => {
    expect(CaptionReader.wants(caption(), 'me')).toBe(true);
    expect(CaptionReader.wants(caption({ kind: 'interim' }), 'me')).toBe(false);
    expect(CaptionReader.wants(caption({ speakerId: 'me' }), 'me')).toBe(false);
    expect(CaptionReader.wants(caption({ sourceLang: 'es' }), 'me')).toBe(false);
    expect(CaptionReader.wants(caption({ text: ' ' }), 'me')).toBe(false);
  });

  it('gives each speaker their own voice in the caption’s language while there are enough, and keeps it', () => {
    const synth = new RecordingSynth([{ voiceURI: 'en-1', lang: 'en-US' }, { voiceURI: 'es-1', lang: 'es-ES' }, { voiceURI: 'es-2', lang: 'es_MX' }]);
    const reader = new CaptionReader(synth as unknown as SpeechSynthesis);
    reader.read(caption({ speakerId: 'ana', text: 'uno' }));
    reader.read(caption({ speakerId: 'ben', text: 'dos' }));
    reader.read(caption({ speakerId: 'ana', text: 'tres' }));
    expect(synth.spoken).toEqual([
      { text: 'uno', lang: 'es', voice: 'es-1' },
      { text: 'dos', lang: 'es', voice: 'es-2' },
      { text: 'tres', lang: 'es', voice: 'es-1' },
    ]);
  });

  it('drops what is queued when it falls behind, so it stays close to live', () => {
    const synth = new RecordingSynth([]);
    const reader = new CaptionReader(synth as unknown as SpeechSynthesis);
    for (const text of ['a', 'b', 'c']) reader.read(caption({ text }));
    expect(synth.cancelled).toBe(1);
    expect(synth.spoken.map((s) => s.text)).toEqual(['a', 'b', 'c']);
  });

  it('does nothing where the browser cannot speak', () => {
    const reader = new CaptionReader(undefined);
    expect(reader.available).toBe(false);
    expect(() => reader.read(caption())).not.toThrow();
  });
});
