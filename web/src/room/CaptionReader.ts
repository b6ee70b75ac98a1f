import type { Caption } from '@parley/protocol';

/** Phrases waiting to be read; past this, older ones are dropped so reading stays close to live. */
const MAX_QUEUED = 2;

/**
 * Reads translated finals aloud with the browser's speech synthesis, in the caption's language,
 * with a different voice per speaker while the browser has enough voices for that language.
 */
export class CaptionReader {
  private readonly voiceOf = new Map<string, SpeechSynthesisVoice>();
  private queued = 0;

  constructor(private readonly synth: SpeechSynthesis | undefined = typeof speechSynthesis === 'undefined' ? undefined : speechSynthesis) {}

  get available(): boolean {
    return this.synth !== undefined;
  }

  /** Only others' translated phrases: one's own words, and words already in my language, are heard directly. */
  static wants(caption: Caption, selfId: string | null): boolean {
    return caption.kind === 'final' && caption.speakerId !== selfId && caption.lang !== caption.sourceLang && caption.text.trim() !== '';
  }

  read(caption: Caption): void {
    const synth = this.synth;
    if (!synth) return;
    if (this.queued >= MAX_QUEUED) {
      synth.cancel();
      this.queued = 0;
    }
    const utterance = new SpeechSynthesisUtterance(caption.text);
    utterance.lang = caption.lang;
    const voice = this.voiceFor(caption);
    if (voice) utterance.voice = voice;
    this.queued += 1;
    const done = () => {
      this.queued = Math.max(0, this.queued - 1);
    };
    utterance.onend = done;
    utterance.onerror = done;
    synth.speak(utterance);
  }

  stop(): void {
    this.synth?.cancel();
    this.queued = 0;
  }

  private voiceFor(caption: Caption): SpeechSynthesisVoice | undefined {
    const key = `${caption.speakerId}:${caption.lang}`;
    const known = this.voiceOf.get(key);
    if (known) return known;
    const voices = (this.synth?.getVoices() ?? []).filter((v) => v.lang.toLowerCase().split(/[-_]/)[0] === caption.lang);
    if (voices.length === 0) return undefined;
    const taken = new Set([...this.voiceOf.entries()].filter(([k]) => k.endsWith(`:${caption.lang}`)).map(([, v]) => v.voiceURI));
    const voice = voices.find((v) => !taken.has(v.voiceURI)) ?? voices[this.voiceOf.size % voices.length]!;
    this.voiceOf.set(key, voice);
    return voice;
  }
}
