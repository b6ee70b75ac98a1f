import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WrtcParticipant } from '../../scripts/lib/WrtcParticipant.js';
import { loadSfuConfig } from './config.js';
import { SfuServer } from './SfuServer.js';

interface Member {
  p: WrtcParticipant;
  toneHz: number;
  stopTone: () => Promise<void>;
}

describe('audio forwarding between participants (real WebRTC, real Redis)', () => {
  let server: SfuServer;
  let url: string;
  const everyone: Member[] = [];

  beforeAll(async () => {
    const config = loadSfuConfig({ REDIS_URL: inject('redisUrl'), RTC_LISTEN_IP: '127.0.0.1', MEDIASOUP_WORKERS: '1', LOG_LEVEL: 'silent' });
    server = new SfuServer(config, pino({ level: 'silent' }));
    url = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
  });

  afterAll(async () => {
    await Promise.all(everyone.map((m) => m.stopTone()));
    await Promise.all(everyone.map((m) => m.p.close()));
    await server?.close();
  });

  async function joinWithTone(room: string, name: string, toneHz: number): Promise<Member> {
    const p = await WrtcParticipant.join({ url, room, name, speaks: 'en', reads: 'en' });
    await p.startMicrophone();
    const member = { p, toneHz, stopTone: p.playTone(toneHz) };
    everyone.push(member);
    return member;
  }

  async function hears(listener: Member, speaker: Member): Promise<void> {
    const what = `${listener.p.peerId.slice(0, 8)} hearing ${speaker.toneHz} Hz`;
    await listener.p.waitForRoom(() => listener.p.remoteAudio(speaker.p.peerId) !== undefined, `${what}: a track`);
    const track = listener.p.remoteAudio(speaker.p.peerId)!;
    await track.waitFor(() => track.streamId === speaker.p.peerId && track.hasTone(speaker.toneHz), what);
  }

  async function doesNotHear(listener: Member, speaker: Member): Promise<void> {
    const track = listener.p.remoteAudio(speaker.p.peerId);
    if (!track) return;
    await track.waitFor(() => track.streamId !== speaker.p.peerId || track.lacksTone(speaker.toneHz), `${speaker.toneHz} Hz going silent`);
  }

  /** Each member hears exactly the others in `speaking`, each on its own track, and never itself. */
  async function expectExactly(members: Member[], speaking: Member[]): Promise<void> {
    for (const listener of members) {
      const expected = speaking.filter((s) => s !== listener);
      await Promise.all(expected.map((speaker) => hears(listener, speaker)));
      const silent = members.filter((m) => m !== listener && !speaking.includes(m));
      await Promise.all(silent.map((speaker) => doesNotHear(listener, speaker)));
      expect(listener.p.remoteStreamIds()).not.toContain(listener.p.peerId);
      for (const speaker of expected) {
        const track = listener.p.remoteAudio(speaker.p.peerId)!;
        for (const other of members.filter((m) => m !== speaker)) expect(track.toneShare(other.toneHz)).toBeLessThan(0.1);
      }
    }
  }

  it('four participants hear each other, not themselves; leaving, joining late and muting change exactly that', async () => {
    const room = 'forwarding-four';
    const [a, b, c, d] = [
      await joinWithTone(room, 'A', 300),
      await joinWithTone(room, 'B', 500),
      await joinWithTone(room, 'C', 700),
      await joinWithTone(room, 'D', 900),
    ];
    await expectExactly([a, b, c, d], [a, b, c, d]);
    await a.p.waitForRoom(() => a.p.participants.length === 4 && a.p.participants.every((p) => p.hasMic && !p.muted), 'four participants with microphones');
    await a.p.waitForRoom(
      () => [b, c, d].every((m) => a.p.activeSpeakerNotices.at(-1)?.includes(m.p.peerId)),
      'the others listed as active speakers',
    );

    // D leaves: nobody hears 900 Hz any more, and the server ends D's stream everywhere.
    await d.stopTone();
    await d.p.close();
    for (const m of [a, b, c]) {
      await m.p.waitForRoom(() => !m.p.remoteStreamIds().includes(d.p.peerId), `D's stream ending for ${m.p.peerId.slice(0, 8)}`);
    }
    await expectExactly([a, b, c], [a, b, c]);

    // E joins late: everyone gets E's tone, E gets everyone's.
    const e = await joinWithTone(room, 'E', 1100);
    await expectExactly([a, b, c, e], [a, b, c, e]);

    // A mutes on the server only (its browser keeps sending the tone): nobody hears it; unmuting restores it.
    await a.p.setMuted(true);
    await b.p.waitForRoom(() => b.p.participants.find((p) => p.id === a.p.peerId)?.muted === true, 'A shown as muted');
    await expectExactly([a, b, c, e], [b, c, e]);
    await b.p.waitForRoom(() => !b.p.activeSpeakerNotices.at(-1)?.includes(a.p.peerId), 'A dropped from active speakers');
    await a.p.setMuted(false);
    await expectExactly([a, b, c, e], [a, b, c, e]);
  });

  it('a listen-only participant (receive transport only) hears everyone and is heard by nobody', async () => {
    const room = 'forwarding-listen-only';
    const speaker = await joinWithTone(room, 'S', 400);
    const listenerP = await WrtcParticipant.join({ url, room, name: 'L', speaks: 'en', reads: 'en' });
    const listener: Member = { p: listenerP, toneHz: 0, stopTone: async () => {} };
    everyone.push(listener);
    await listenerP.startListening();
    await hears(listener, speaker);
    await speaker.p.waitForRoom(() => speaker.p.participants.find((p) => p.id === listenerP.peerId)?.hasMic === false, 'L listed without microphone');
    expect(speaker.p.remoteStreamIds()).toEqual([]);
  });
});
