import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Caption, TranscriptPage } from '@parley/protocol';
import { REDIS_KEYS } from '@parley/protocol/streams';
import { loadLibrivoxClips, type SpeechClip } from '../../bench/speechClips.js';
import { captionWordErrors, comparableWordCount } from '../../workers/src/stt/wer.js';
import { ClusterStack } from './ClusterStack.js';
import { WrtcParticipant } from './WrtcParticipant.js';

const LOG_DIR = 'test-results/cluster-logs';

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000, stepMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

const finalsOf = (p: WrtcParticipant): Caption[] => p.captions.filter((c) => c.kind === 'final');

describe('two sfu nodes behind a load balancer, one Redis, two stt workers, one mt worker (processes on loopback, real WebRTC and speech)', () => {
  let cluster: ClusterStack;
  let redis: Redis;
  let clips: Map<string, SpeechClip>;
  const room = `cluster-${Date.now()}`;
  const people: WrtcParticipant[] = [];
  let lucia: WrtcParticipant; // reads Spanish
  let lee: WrtcParticipant; // reads English
  let sam: WrtcParticipant; // speaks English

  const clip = (suffix: string): SpeechClip => clips.get(suffix)!;
  const hostOf = async (): Promise<string | null> => redis.get(REDIS_KEYS.roomNode(room));
  /** Speaks a clip in real time, then the silence that ends it. */
  const say = async (suffix: string): Promise<void> => {
    await sam.sendPcm(clip(suffix).samples48k);
    await sam.sendSilence(1.5);
  };

  beforeAll(async () => {
    clips = new Map(loadLibrivoxClips().map((c) => [c.id.slice(-4), c]));
    cluster = await new ClusterStack({
      sfuNodes: 2,
      sttWorkers: 2,
      mtWorkers: 1,
      apertiumUrl: inject('apertiumUrl'),
      logDir: LOG_DIR,
      // Rejoins and moves come from one address here; a browser per person would not share limits.
      env: { JOIN_BURST: '100', CONNECT_BURST_PER_IP: '200', TRANSCRIPT_CLAIM_IDLE_MS: '3000' },
    }).start();
    redis = new Redis(cluster.redis.url, { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    // Each joins through the load balancer, which hands connections to the nodes in turn.
    const join = async (name: string, speaks: 'en' | 'es', reads: 'en' | 'es') => {
      const p = await WrtcParticipant.join({ url: cluster.publicUrl, room, name, speaks, reads, reconnect: true });
      people.push(p);
      return p;
    };
    lucia = await join('Lucía', 'es', 'es');
    lee = await join('Lee', 'en', 'en');
    sam = await join('Sam', 'en', 'en');
    await lucia.startListening();
    await lee.startListening();
    await sam.startMicrophone();
  }, 240_000);

  afterAll(async () => {
    await Promise.all(people.map((p) => p.close()));
    redis?.disconnect();
    await cluster?.stop();
  });

  it('gathers participants who arrive on different nodes on the room’s node, every listener gets every final, and a killed node’s clients rejoin on the other within 10 s', async () => {
    // The balancer sent them to both nodes (one connection each, in joining order); whoever landed
    // on the node without the room was sent to the room's node, the others stayed where they landed.
    const routed = cluster.balancer!.routed.slice(0, people.length);
    expect(new Set(routed).size, 'connections went to both nodes').toBe(2);
    const host = await hostOf();
    expect(host).toMatch(/^sfu-[01]$/);
    const hostIndex = Number(host!.slice('sfu-'.length));
    for (const [i, p] of people.entries()) {
      if (routed[i] === cluster.sfuPorts[hostIndex]) expect(p.moves, `${i}: landed on the room's node`).toEqual([]);
      else expect(p.moves, `${i}: sent on to the room's node`).toEqual([cluster.nodeUrls[hostIndex]]);
    }
    await lee.waitForRoom(() => lee.participants.length === 3, 'all three in the participant list');

    await sam.sendSilence(0.5);
    await say('0920');
    await lucia.waitForCaption((c) => c.kind === 'final' && c.lang === 'es' && c.text.length > 0, 30_000);
    await lee.waitForCaption((c) => c.kind === 'final' && c.text.length > 0, 30_000);
    await until(() => finalsOf(lucia).length === finalsOf(lee).length, 'both listeners with the same finals', 10_000);
    expect(finalsOf(lucia).map((c) => c.utteranceId)).toEqual(finalsOf(lee).map((c) => c.utteranceId));

    // Kill the node hosting the room: every client there is lost at once.
    const victim = cluster.process(`sfu-${hostIndex}`);
    const heardBefore = lee.remoteAudio(sam.peerId);
    const killedAtMs = Date.now();
    victim.child.kill('SIGKILL');
    await victim.child.waitForExit();
    const stopTone = sam.playTone(440);
    await until(() => people.every((p) => (p.joinedAtMs.at(-1) ?? 0) > killedAtMs), 'everyone rejoined', 15_000, 50);
    const rejoinMs = Math.max(...people.map((p) => p.joinedAtMs.at(-1)! - killedAtMs));
    await lee.waitForRoom(() => lee.remoteAudio(sam.peerId) !== undefined && lee.remoteAudio(sam.peerId) !== heardBefore, 'the speaker heard again', 15_000);
    const heard = lee.remoteAudio(sam.peerId)!;
    await heard.waitFor(() => heard.hasTone(440), 'the speaker’s tone arriving', 15_000);
    const audioBackMs = Date.now() - killedAtMs;
    await stopTone();
    console.log(`node killed: every client rejoined within ${rejoinMs} ms, audio back after ${audioBackMs} ms`);
    expect(rejoinMs).toBeLessThanOrEqual(10_000);
    expect(audioBackMs).toBeLessThanOrEqual(10_000);
    expect(await hostOf()).toBe(`sfu-${1 - hostIndex}`);
    for (const p of people) expect(p.client.nodeUrl ?? cluster.nodeUrls[1 - hostIndex]).toBe(cluster.nodeUrls[1 - hostIndex]);

    // Captions resume: a phrase spoken after the move reaches both listeners.
    const before = new Set(finalsOf(lee).map((c) => c.utteranceId));
    await sam.sendSilence(0.3);
    await say('0880');
    await lucia.waitForCaption((c) => c.kind === 'final' && c.lang === 'es' && c.text.length > 0 && !before.has(c.utteranceId), 30_000);
    await lee.waitForCaption((c) => c.kind === 'final' && c.text.length > 0 && !before.has(c.utteranceId), 30_000);
  }, 180_000);

  it('rides out Redis stopped for 10 s: no process exits, /readyz false then true, rooms told captions paused and resumed, captions within 5 s of its return, no final lost', async () => {
    // The killed node is back: two nodes again.
    const dead = cluster.processes.find((p) => p.name.startsWith('sfu-') && p.child.deathReason);
    if (dead) await cluster.startNode(Number(dead.name.slice('sfu-'.length)));
    const running = cluster.processes.filter((p) => !p.child.deathReason);
    expect(running.map((p) => p.name).sort()).toEqual(['mt-0', 'sfu-0', 'sfu-1', 'stt-0', 'stt-1', 'transcripts']);
    const host = (await hostOf())!;
    const startedAtMs = Date.now();

    // Readiness of every process, sampled throughout.
    const readiness: { atMs: number; ready: Map<string, boolean> }[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        readiness.push({ atMs: Date.now(), ready: await cluster.readiness() });
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    // Before: a whole phrase.
    await say('0930');
    await lee.waitForCaption((c) => c.kind === 'final' && c.audioEndAtMs > startedAtMs && c.text.length > 0, 30_000);

    // During: Redis stops while a phrase is being captioned (its first words already with a worker).
    const earlier = new Set(lee.captions.map((c) => c.utteranceId));
    const midPhrase = sam.sendPcm(clip('0870').samples48k);
    await lee.waitForCaption((c) => c.kind === 'interim' && !earlier.has(c.utteranceId), 15_000);
    const stoppedAtMs = Date.now();
    await cluster.redis.stop();
    await midPhrase;
    await sam.sendSilence(1.5);
    await say('0890');
    await until(() => people.every((p) => p.captionsPausedNotices.at(-1) === true), 'rooms told captions are paused', 5_000);
    const waitMs = stoppedAtMs + 10_000 - Date.now();
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
    const captionsBeforeReturn = lee.captions.length + lucia.captions.length;
    await cluster.redis.start();
    const backAtMs = Date.now();

    // Captions flow again: the phrases said during the outage come out first.
    await until(() => lee.captions.length + lucia.captions.length > captionsBeforeReturn, 'a caption after Redis returned', 30_000, 20);
    const firstCaptionMs = Math.min(...[...lee.arrivedAtMs.values(), ...lucia.arrivedAtMs.values()].filter((t) => t >= backAtMs)) - backAtMs;
    await until(() => people.every((p) => p.captionsPausedNotices.at(-1) === false), 'rooms told captions resumed', 10_000);

    // After: one more phrase.
    await sam.sendSilence(0.3);
    await say('0920');
    const spoken = ['0930', '0870', '0890', '0920'];
    const cut = () => cluster.logLines(host, 'utterance cut: final audio published').filter((l) => l.room === room && Number(l.time) >= startedAtMs).map((l) => String(l.utteranceId));
    // Every utterance the sfu cut gets its final at both listeners.
    await until(() => cut().every((id) => finalsOf(lee).some((c) => c.utteranceId === id) && finalsOf(lucia).some((c) => c.utteranceId === id)), 'every final at both listeners', 60_000, 250);
    sampling = false;
    await sampler;

    const utterances = cut();
    console.log(`Redis away ${backAtMs - stoppedAtMs} ms; first caption ${firstCaptionMs} ms after it returned; ${utterances.length} utterances cut`);
    expect(firstCaptionMs).toBeLessThanOrEqual(5_000);
    expect(utterances.length).toBeGreaterThanOrEqual(spoken.length);

    // What was said: the finals (in speaking order) against the four recordings.
    const shown = finalsOf(lee).filter((c) => utterances.includes(c.utteranceId)).sort((a, b) => a.audioEndAtMs - b.audioEndAtMs);
    const reference = spoken.map((s) => clip(s).reference).join(' ');
    const wer = captionWordErrors(reference, shown.map((c) => c.text).join(' ')) / comparableWordCount(reference);
    console.log(`finals: ${shown.map((c) => `"${c.text}"`).join(' ')} (WER ${wer.toFixed(2)})`);
    expect(wer).toBeLessThanOrEqual(0.5);

    // The kept transcript has every one of them, with its Spanish.
    const transcript = async () => ((await (await fetch(`${cluster.nodeUrls[0]}/api/rooms/${room}/transcript?limit=500`)).json()) as TranscriptPage).segments;
    const worded = shown.filter((c) => c.text).map((c) => c.utteranceId).sort();
    const keptOf = async () => (await transcript()).filter((s) => utterances.includes(s.utteranceId));
    await until(async () => (await keptOf()).length >= worded.length, 'every final in the kept transcript', 30_000, 500);
    const kept = await keptOf();
    expect(kept.map((s) => s.utteranceId).sort()).toEqual(worded);
    for (const segment of kept) expect(segment.translations.es, `Spanish of ${segment.utteranceId}`).toBe(finalsOf(lucia).find((c) => c.utteranceId === segment.utteranceId)?.text);

    // No process exited; each was not ready while Redis was away and ready again after.
    expect(cluster.processes.filter((p) => running.includes(p) && p.child.deathReason).map((p) => p.child.deathReason)).toEqual([]);
    for (const p of running) {
      const during = readiness.filter((r) => r.atMs > stoppedAtMs + 2_000 && r.atMs < backAtMs - 500).map((r) => r.ready.get(p.name));
      const after = readiness.filter((r) => r.atMs > backAtMs + 5_000).map((r) => r.ready.get(p.name));
      expect(during.length, `samples of ${p.name} during the outage`).toBeGreaterThan(3);
      expect(during.every((ready) => ready === false), `${p.name} not ready while Redis was away`).toBe(true);
      expect(after.at(-1), `${p.name} ready again`).toBe(true);
    }
  }, 240_000);
});
