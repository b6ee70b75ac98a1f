import { beforeAll, describe, expect, it } from 'vitest';
import { CONSUMER_GROUPS, REDIS_KEYS, fieldsToRecord, pcmSamples, utteranceAudioStream, type AudioChunk } from '@parley/protocol/streams';
import { loadLibrivoxClips, type SpeechClip } from '../../bench/speechClips.js';
import { PocketsphinxEngine } from '../../workers/src/stt/PocketsphinxEngine.js';
import { readableText } from '../../workers/src/text/readableText.js';
import { useOfflineStack } from './test-support/offlineStack.js';
import { WrtcParticipant } from './WrtcParticipant.js';

describe('caption reliability on the real path (two stt workers)', () => {
  const parley = useOfflineStack({ db: 5, sttWorkers: 2, env: { STT_LEASE_MS: '1500' }, logDir: 'test-results/reliability-logs' });
  let clip: SpeechClip;

  beforeAll(() => {
    clip = loadLibrivoxClips().find((c) => c.id.endsWith('0870'))!;
  });

  /**
   * Every chunk of an utterance's audio, copied as the sfu writes it (the stt worker deletes the
   * stream once the final is out, so the copy is taken while it is spoken).
   */
  async function copyAudio(utteranceId: string): Promise<AudioChunk[]> {
    const audio = utteranceAudioStream(utteranceId);
    const reader = parley.redis.duplicate();
    const chunks: AudioChunk[] = [];
    let lastId = '0';
    try {
      for (;;) {
        const reply = (await reader.xreadBuffer('BLOCK', 1_000, 'STREAMS', audio.key, lastId)) as [Buffer, [Buffer, Buffer[]][]][] | null;
        if (!reply) {
          if ((await reader.exists(audio.key)) === 0) throw new Error(`the audio of ${utteranceId} was gone before its final chunk was copied`);
          continue;
        }
        for (const [id, fields] of reply[0]![1]) {
          lastId = id.toString();
          const parsed = audio.parse(fields);
          if (!parsed.ok) throw new Error(`malformed audio chunk: ${parsed.error}`);
          chunks.push(parsed.value);
          if (parsed.value.final) return chunks;
        }
      }
    } finally {
      reader.disconnect();
    }
  }

  /**
   * The final a fresh pocketsphinx makes of those chunks, fed as a worker feeds them. With
   * `atLastPause`, as a worker that was keeping up makes it: the text of the complete partial it
   * took at the phrase's last pause, when nothing was spoken after it.
   */
  async function decodeAgain(chunks: AudioChunk[], atLastPause: boolean): Promise<string> {
    const engine = await PocketsphinxEngine.create({ poolSize: 1 });
    try {
      const stream = engine.open('en');
      let nextSeq = 0;
      for (const chunk of chunks) {
        if (chunk.seq < nextSeq) continue;
        nextSeq = chunk.seq + 1;
        const samples = pcmSamples(chunk.pcm);
        if (samples.length && !(chunk.final && chunk.endsAtPause)) await stream.write(samples);
        if (atLastPause && chunk.pause && !chunk.final) await stream.partial({ complete: true });
      }
      const text = (await stream.finish()).trim();
      return text ? readableText(stream.words?.() ?? text, { final: true }) : '';
    } finally {
      await engine.close();
    }
  }

  async function ownerOf(utteranceId: string): Promise<string | undefined> {
    const pending = (await parley.redis.xpending(REDIS_KEYS.sttAssign, CONSUMER_GROUPS.stt, '-', '+', 100)) as [string, string, number, number][];
    for (const [id, consumer] of pending) {
      const [entry] = await parley.redis.xrange(REDIS_KEYS.sttAssign, id, id);
      if (entry && String(fieldsToRecord(entry[1]).utteranceId) === utteranceId) return consumer;
    }
    return undefined;
  }

  it('finishes an utterance whose stt worker is killed mid-way: decoded again from its first word, the final exactly once, sequence numbers never going back', async () => {
    const room = `takeover-${Date.now()}`;
    const listener = await WrtcParticipant.join({ url: parley.stack.url, room, name: 'Lee', speaks: 'en', reads: 'en' });
    const speaker = await WrtcParticipant.join({ url: parley.stack.url, room, name: 'Sam', speaks: 'en', reads: 'en' });
    try {
      await speaker.startMicrophone();
      await speaker.sendSilence(0.5);
      const speaking = speaker.sendPcm(clip.samples48k).then(() => speaker.sendSilence(2));
      const interim = await listener.waitForCaption((c) => c.kind === 'interim');
      const copied = copyAudio(interim.utteranceId);
      const owner = await ownerOf(interim.utteranceId);
      expect(owner, 'the utterance in flight has an owner').toBeDefined();
      const victim = parley.stack.sttWorkers.get(owner!)!;
      victim.kill('SIGKILL');
      await victim.waitForExit();
      await speaking;
      const final = await listener.waitForCaption((c) => c.kind === 'final' && c.utteranceId === interim.utteranceId, 30_000);
      // Give any duplicate (and a second utterance, if a pause split the clip) time to show up before counting.
      await new Promise((r) => setTimeout(r, 2_000));
      expect(listener.captions.filter((c) => c.kind === 'final' && c.utteranceId === interim.utteranceId)).toHaveLength(1);
      expect(await ownerOf(interim.utteranceId), 'the assignment was acknowledged').toBeUndefined();

      // The new owner decoded the utterance from its first chunk, every chunk once: its final is
      // word for word what a fresh recogniser makes of all the audio the sfu wrote. (Compared with
      // the reference transcript instead, the test would measure how well the speech survived this
      // run's WebRTC path, which varies from run to run; eval:stt measures that.)
      const chunks = await copied;
      const expected = [await decodeAgain(chunks, false), await decodeAgain(chunks, true)];
      console.log(`after takeover: "${final.text}"; decoded again from the ${chunks.length} chunks: ${expected.map((t) => `"${t}"`).join(' or ')}; reference: "${clip.reference}"`);
      expect(final.text.split(' ').length).toBeGreaterThan(5);
      expect(expected).toContain(final.text);

      // Sequence numbers of the utterance's captions, as they arrived, never go back.
      const seqs = listener.captions.filter((c) => c.utteranceId === interim.utteranceId).map((c) => c.seq);
      expect(seqs.length).toBeGreaterThan(1);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    } finally {
      await Promise.all([speaker.close(), listener.close()]);
    }
  });
});
