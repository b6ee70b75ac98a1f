import { io, type Socket } from 'socket.io-client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Ack, ClientToServerEvents, JoinReply, ServerToClientEvents } from '@parley/protocol';
import { loadLibrivoxClips, type SpeechClip } from '../../bench/speechClips.js';
import { httpOk } from './freePort.js';
import { useOfflineStack } from './test-support/offlineStack.js';
import { WrtcParticipant } from './WrtcParticipant.js';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

type Attempt = 'joined' | 'join refused: rate' | 'join refused: other' | 'connection refused' | 'no answer';

describe('a flood from one client is rate-limited while another room keeps captioning', () => {
  const parley = useOfflineStack({ db: 14, transcriptWriter: false, env: { LOG_LEVEL: 'warn' }, logDir: 'test-results/flood-logs' });
  let clips: SpeechClip[];

  beforeAll(() => {
    clips = loadLibrivoxClips().slice(0, 3);
  });

  function connect(): ClientSocket {
    return io(parley.stack.url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { origin: parley.stack.url }, timeout: 10_000 });
  }

  /** Connect, then join once: what the server said. */
  async function attemptJoin(room: string, open: ClientSocket[]): Promise<Attempt> {
    const socket = connect();
    open.push(socket);
    const connected = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true));
      socket.once('connect_error', () => resolve(false));
    });
    if (!connected) return 'connection refused';
    const reply = await socket
      .timeout(10_000)
      .emitWithAck('join', { room, name: 'Flood', speaks: 'en', reads: 'en' })
      .catch(() => undefined) as Ack<JoinReply> | undefined;
    if (!reply) return 'no answer';
    if (reply.ok) return 'joined';
    return /Too many/.test(reply.error) ? 'join refused: rate' : 'join refused: other';
  }

  it('1,000 join attempts and 10,000 events in a burst are refused past the limits; the other room’s captions keep coming', async () => {
    const room = `steady-${Date.now()}`;
    const listener = await WrtcParticipant.join({ url: parley.stack.url, room, name: 'Lee', speaks: 'es', reads: 'es' });
    const speaker = await WrtcParticipant.join({ url: parley.stack.url, room, name: 'Sam', speaks: 'en', reads: 'en' });
    // Connected before the flood, as a client already in the middle of things would be.
    const chatty = connect();
    await new Promise<void>((resolve) => chatty.once('connect', () => resolve()));
    expect(await chatty.emitWithAck('join', { room: `chatty-${Date.now()}`, name: 'Chatty', speaks: 'en', reads: 'en' })).toMatchObject({ ok: true });
    const open: ClientSocket[] = [chatty];
    const finals = () => listener.captions.filter((c) => c.kind === 'final' && c.sourceText !== '');
    try {
      await speaker.startMicrophone();
      await speaker.sendSilence(0.5);
      const speaking = speaker.speakPhrases(clips.map((c) => c.samples48k));
      await listener.waitForCaption(() => finals().length >= 1, 60_000);

      const floodStartMs = Date.now();
      const attempts: Attempt[] = [];
      for (let batch = 0; batch < 10; batch++) {
        attempts.push(...(await Promise.all(Array.from({ length: 100 }, (_, i) => attemptJoin(`flood-${batch}-${i}`, open)))));
      }
      const chattyClosed = new Promise<string>((resolve) => chatty.once('fatal', (e) => resolve(e.message)));
      for (let i = 0; i < 10_000; i++) chatty.emit('mute', { muted: i % 2 === 0 }, () => undefined);
      const floodSeconds = (Date.now() - floodStartMs) / 1000;
      expect(await chattyClosed).toMatch(/Too many messages/);

      const count = (kind: Attempt) => attempts.filter((a) => a === kind).length;
      console.log(
        `flood over ${floodSeconds.toFixed(1)} s: ${count('joined')} joined, ${count('join refused: rate')} joins refused by the rate limit, ` +
          `${count('connection refused')} connections refused, ${count('join refused: other')} refused otherwise, ${count('no answer')} unanswered`,
      );
      expect(attempts).toHaveLength(1_000);
      expect(count('no answer')).toBe(0);
      // The defaults: 20 joins at once and 2 a second per address; 60 connections at once and 5 a second.
      expect(count('joined')).toBeLessThanOrEqual(20 + Math.ceil(2 * floodSeconds));
      expect(count('connection refused') + count('join refused: rate')).toBeGreaterThanOrEqual(1_000 - 20 - Math.ceil(2 * floodSeconds) - 1);

      for (const socket of open) socket.disconnect();
      await speaking;
      // The speaker shares this process with the flood, so what it said during the flood may come
      // late or cut short; a phrase spoken once the flood is over is captioned as ever.
      const floodEndMs = Date.now();
      await speaker.sendPcm(clips[0]!.samples48k);
      await speaker.sendSilence(2);
      const after = await listener.waitForCaption((c) => c.kind === 'final' && c.sourceText !== '' && c.audioEndAtMs > floodEndMs, 60_000);
      console.log(`finals: ${finals().map((c) => `"${c.sourceText}"`).join(', ')}`);
      expect(after.text.split(' ').length).toBeGreaterThanOrEqual(3);
      expect(after.lang).toBe('es');
      expect(await httpOk(`${parley.stack.url}/readyz`)).toBe(true);
    } finally {
      for (const socket of open) socket.disconnect();
      await Promise.all([speaker.close(), listener.close()]);
    }
  }, 240_000);
});
