/**
 * Word error rate of the offline recogniser on recorded speech, two ways: straight from the file
 * (16 kHz, streamed in 0.5 s chunks as the worker does) and through the whole WebRTC path (48 kHz
 * → Opus → sfu → VAD and endpointing → stt worker → caption at a listener). Corpus-level: all
 * word errors over all reference words, after the caption clean-up on both sides (captionWordErrors).
 */
import { pcmSamples } from '@parley/protocol/streams';
import { ParleyStack } from '../../scripts/lib/ParleyStack.js';
import type { EndpointingOptions } from '../../sfu/src/audio/EndpointPolicy.js';
import { SileroVad } from '../../sfu/src/audio/SileroVad.js';
import { SpeakerAudioPipeline } from '../../sfu/src/audio/SpeakerAudioPipeline.js';
import { sfuConfigSchema } from '../../sfu/src/config.js';
import { WrtcParticipant } from '../../scripts/lib/WrtcParticipant.js';
import { PocketsphinxEngine } from '../../workers/src/stt/PocketsphinxEngine.js';
import { captionWordErrors, comparableWordCount } from '../../workers/src/stt/wer.js';
import type { SpeechClip } from '../speechClips.js';
import { recogniseStreaming } from '../sttFile.js';

export interface ClipResult {
  clip: string;
  text: string;
  errors: number;
}

export interface WerResult {
  wer: number;
  errors: number;
  referenceWords: number;
  clips: ClipResult[];
}

function summarise(clips: SpeechClip[], texts: string[]): WerResult {
  const results = clips.map((clip, i) => ({ clip: clip.id, text: texts[i]!, errors: captionWordErrors(clip.reference, texts[i]!) }));
  const errors = results.reduce((n, r) => n + r.errors, 0);
  const referenceWords = clips.reduce((n, c) => n + comparableWordCount(c.reference), 0);
  return { wer: Math.round((errors / referenceWords) * 1000) / 1000, errors, referenceWords, clips: results };
}

/** The engine alone, on the recordings as they are. */
export async function fileWer(clips: SpeechClip[]): Promise<WerResult> {
  const engine = await PocketsphinxEngine.create({ poolSize: 1 });
  try {
    const texts: string[] = [];
    for (const clip of clips) texts.push(await recogniseStreaming(engine, clip.samples16k));
    return summarise(clips, texts);
  } finally {
    await engine.close();
  }
}

/**
 * The sfu's VAD and endpointing run here on the recordings (no transport), and each utterance they
 * cut is decoded as the worker decodes it. Deterministic, so it shows what an endpointing setting
 * does to recognition apart from the variation WebRTC brings from run to run.
 */
export async function segmentedWer(clips: SpeechClip[], endpointing: EndpointingOptions): Promise<WerResult & { utterances: number }> {
  const vad = await SileroVad.load();
  const engine = await PocketsphinxEngine.create({ poolSize: 1 });
  // The sfu's pause hint and chunk size, from the environment as the sfu reads them.
  const defaults = sfuConfigSchema.parse({ PAUSE_HINT_SECONDS: process.env.PAUSE_HINT_SECONDS, AUDIO_CHUNK_SECONDS: process.env.AUDIO_CHUNK_SECONDS });
  let utterances = 0;
  try {
    const texts: string[] = [];
    for (const clip of clips) {
      const pipeline = new SpeakerAudioPipeline({
        vad,
        endpointing,
        pauseHintSeconds: defaults.PAUSE_HINT_SECONDS,
        chunkSeconds: defaults.AUDIO_CHUNK_SECONDS,
        stallTimeoutSeconds: 0,
      });
      const cut: { pcm: Int16Array; pause: boolean }[][] = [];
      pipeline.on('utteranceStart', () => cut.push([]));
      pipeline.on('chunk', (chunk) => cut.at(-1)!.push({ pcm: pcmSamples(chunk.pcm), pause: chunk.pause }));
      const audio = new Int16Array(clip.samples16k.length + 3 * 16_000);
      audio.set(clip.samples16k, 8_000);
      for (let i = 0; i < audio.length; i += 512) {
        pipeline.pushPcm16k(audio.subarray(i, i + 512));
        // As in real time, VAD keeps up: a backlog would be skipped as a stalled process's is.
        if ((i / 512) % 16 === 15) await pipeline.drain();
      }
      await pipeline.flush();
      pipeline.close();
      const parts: string[] = [];
      for (const chunks of cut.filter((c) => c.length)) {
        utterances += 1;
        const stream = engine.open('en');
        try {
          // As the worker does: a caption of the whole phrase at each pause, an interim otherwise.
          for (const chunk of chunks) {
            await stream.write(chunk.pcm);
            await stream.partial({ complete: chunk.pause });
          }
          parts.push(await stream.finish());
        } finally {
          stream.close();
        }
      }
      texts.push(parts.join(' '));
    }
    return { ...summarise(clips, texts), utterances };
  } finally {
    await engine.close();
  }
}

export interface WebrtcWerOptions {
  /** A running stack; otherwise one is started with `env` (offline engines) and stopped. */
  stack?: ParleyStack;
  env?: NodeJS.ProcessEnv;
  logDir?: string;
  /** Silence after each clip, long enough for any endpointing to end it. */
  tailSeconds?: number;
}

/** Each set spoken through WebRTC; a clip's text is all its finals together (a pause can split it). */
export async function webrtcWer(sets: SpeechClip[][], options: WebrtcWerOptions = {}): Promise<WerResult[]> {
  const stack = options.stack ?? (await new ParleyStack({ offlineEngines: true, env: options.env, logDir: options.logDir }).start());
  const room = `eval-stt-${Date.now()}`;
  try {
    const listener = await WrtcParticipant.join({ url: stack.url, room, name: 'Listener', speaks: 'en', reads: 'en' });
    const speaker = await WrtcParticipant.join({ url: stack.url, room, name: 'Speaker', speaks: 'en', reads: 'en' });
    try {
      await speaker.startMicrophone();
      await speaker.sendSilence(1);
      const results: WerResult[] = [];
      for (const clips of sets) {
        const texts: string[] = [];
        for (const clip of clips) {
          const seen = new Set(listener.captions);
          await speaker.sendPcm(clip.samples48k);
          await speaker.sendSilence(options.tailSeconds ?? 2.5);
          await listener.waitForCaption((c) => !seen.has(c) && c.kind === 'final', 30_000).catch(() => undefined);
          texts.push(listener.captions.filter((c) => !seen.has(c) && c.kind === 'final').map((c) => c.text).join(' '));
        }
        results.push(summarise(clips, texts));
      }
      return results;
    } finally {
      await Promise.all([speaker.close(), listener.close()]);
    }
  } finally {
    if (!options.stack) await stack.stop();
  }
}
