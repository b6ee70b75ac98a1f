import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadLibrivoxClips, type SpeechClip } from '../../bench/speechClips.js';
import { httpOk } from '../../scripts/lib/freePort.js';
import { useOfflineStack } from '../../scripts/lib/test-support/offlineStack.js';
import { WrtcParticipant } from '../../scripts/lib/WrtcParticipant.js';

const LOG_DIR = 'test-results/media-worker-death-logs';

/** The media process each "room media ready" line of the sfu's log names for `room`, in order. */
function mediaPidsOf(room: string): number[] {
  return readFileSync(`${LOG_DIR}/sfu.log`, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"room media ready"'))
    .map((line) => JSON.parse(line.slice(line.indexOf("{"))) as { room: string; mediaPid: number })
    .filter((entry) => entry.room === room)
    .map((entry) => entry.mediaPid);
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a media process killed mid-room (real sfu, mediasoup workers, WebRTC, stt and mt workers)', () => {
  const parley = useOfflineStack({ db: 17, env: { MEDIASOUP_WORKERS: '2', LOG_LEVEL: 'info' }, logDir: LOG_DIR });
  let clips: SpeechClip[];

  beforeAll(() => {
    clips = loadLibrivoxClips();
  });

  it('keeps the sfu up, rebuilds the room on another media process, and audio and captions resume', async () => {
    const room = `worker-death-${Date.now()}`;
    const listener = await WrtcParticipant.join({ url: parley.stack.url, room, name: 'Lee', speaks: 'es', reads: 'es' });
    const speaker = await WrtcParticipant.join({ url: parley.stack.url, room, name: 'Sam', speaks: 'en', reads: 'en' });
    try {
      await listener.startListening();
      await speaker.startMicrophone();
      await speaker.sendSilence(0.5);
      await speaker.sendPcm(clips[0]!.samples48k);
      await speaker.sendSilence(1.5);
      const before = await listener.waitForCaption((c) => c.kind === 'final' && c.lang === 'es' && c.text.length > 0, 30_000);
      const heardBefore = listener.remoteAudio(speaker.peerId)!;
      expect(heardBefore.framesReceived).toBeGreaterThan(100);

      const [victim] = mediaPidsOf(room);
      expect(victim, 'the sfu logged which media process carries the room').toBeDefined();
      process.kill(victim!, 'SIGKILL');

      await until(() => listener.mediaResets > 0 && speaker.mediaResets > 0, 'both clients told to set their audio up again');
      expect(await httpOk(`${parley.stack.url}/healthz`)).toBe(true);
      await until(() => mediaPidsOf(room).length > 1, 'the room rebuilt');
      const rebuiltOn = mediaPidsOf(room).at(-1)!;
      expect(rebuiltOn).not.toBe(victim);
      await until(() => httpOk(`${parley.stack.url}/readyz`), 'the sfu ready again');

      // Audio: a new consumer of the speaker on the listener's side, carrying sound again.
      await until(() => listener.remoteAudio(speaker.peerId) !== undefined && listener.remoteAudio(speaker.peerId) !== heardBefore, 'the speaker heard again');
      const speaking = speaker.sendSilence(0.3).then(() => speaker.sendPcm(clips[1]!.samples48k)).then(() => speaker.sendSilence(1.5));
      const heardAfter = listener.remoteAudio(speaker.peerId)!;
      await heardAfter.waitFor(() => heardAfter.framesReceived > 100 && heardAfter.rms() > 0.01, 'speech arriving after the rebuild');
      await speaking;

      // Captions: a final of an utterance spoken after the rebuild.
      const after = await listener.waitForCaption((c) => c.kind === 'final' && c.lang === 'es' && c.text.length > 0 && c.utteranceId !== before.utteranceId, 30_000);
      expect(after.speakerId).toBe(speaker.peerId);
      expect(parley.stack.processes.find((p) => p.name === 'sfu')!.deathReason).toBeUndefined();
    } finally {
      await speaker.close();
      await listener.close();
    }
  });
});
