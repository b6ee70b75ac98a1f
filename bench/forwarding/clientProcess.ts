/**
 * A libwebrtc bench process (the shared room client over @roamhq/wrtc, like a browser): the
 * speaker, or the probes — listeners that decode what they hear and time the markers in it.
 * Driven by the orchestrator (bench/sfu.ts) over the IPC channel; exits when it goes away.
 */
import { Encoder } from 'socket.io-parser';
import { loadLibrivoxClips } from '../speechClips.js';
import { WrtcParticipant } from '../../scripts/lib/WrtcParticipant.js';
import { wrtc, type WrtcAudioSink, type WrtcTrack } from '../../scripts/lib/wrtc.js';
import { emptySample, joinMany, type ClientCommand, type ClientReply, type Sample } from './clientMessages.js';
import { buildMarkedSpeech, FRAME_SAMPLES, PERIOD_MS, SAMPLE_RATE_HZ, wallMs } from './markedSpeech.js';
import { MarkerDetector } from './MarkerDetector.js';
import { RosterSkippingDecoder } from './RosterSkippingDecoder.js';

/** Speech is looped from a buffer this long. */
const SPEECH_SECONDS = 60;
const FRAMES_PER_PERIOD = (SAMPLE_RATE_HZ * PERIOD_MS) / 1000 / FRAME_SAMPLES;
/**
 * Rosters are not read here: parsing one per join of a big room would hold up the speaker's
 * real-time pacing (bursts the listeners' jitter buffers grow on) and the probes' timing.
 */
const SOCKET = { parser: { Encoder, Decoder: RosterSkippingDecoder } };

interface Probe {
  name: string;
  participant: WrtcParticipant;
  detectors: MarkerDetector[];
  sinks: WrtcAudioSink[];
  fatal?: string;
}

let speaker: WrtcParticipant | undefined;
let speakerFatal: string | undefined;
const markerSentMs: number[] = [];
const probes: Probe[] = [];
let stopped = false;

async function handle(command: ClientCommand): Promise<ClientReply> {
  switch (command.type) {
    case 'publish': {
      const pcm = buildMarkedSpeech(
        loadLibrivoxClips().map((c) => c.samples48k),
        SPEECH_SECONDS,
      );
      speaker = await WrtcParticipant.join({
        url: command.url,
        room: command.room,
        name: 'Speaker',
        speaks: 'en',
        reads: 'en',
        receiveAudio: false,
        socket: SOCKET,
      });
      speaker.client.on('ended', (message) => (speakerFatal = message));
      await speaker.startMicrophone();
      void play(speaker, pcm);
      return { id: command.id, type: 'ok' };
    }
    case 'addProbes': {
      const result = await joinMany(
        command.count,
        2,
        (index) => joinProbe(command.url, command.room, `${command.namePrefix}${index}`),
        (probe) => probes.push(probe),
      );
      return { id: command.id, type: 'added', ...result };
    }
    case 'replaceProbes': {
      const names = probes.map((p) => p.name);
      for (const probe of probes.splice(0)) await closeProbe(probe);
      const result = await joinMany(
        names.length,
        2,
        (index) => joinProbe(command.url, command.room, names[index]!),
        (probe) => probes.push(probe),
      );
      return { id: command.id, type: 'added', ...result };
    }
    case 'addListeners':
      return { id: command.id, type: 'error', message: 'lightweight listeners live in a crowd process' };
    case 'sample':
      return { id: command.id, type: 'sample', ...(await sample()) };
    case 'stop':
      await stop();
      return { id: command.id, type: 'ok' };
  }
}

/** Loops the marked speech in real time, noting when each marker goes to the encoder. */
async function play(participant: WrtcParticipant, pcm: Int16Array): Promise<void> {
  while (!stopped) {
    await participant.sendPcm(pcm, (frame) => {
      if (frame % FRAMES_PER_PERIOD === 0) markerSentMs.push(wallMs());
    });
  }
}

async function joinProbe(url: string, room: string, name: string): Promise<Probe> {
  const participant = await WrtcParticipant.join({ url, room, name, speaks: 'en', reads: 'en', receiveAudio: false, socket: SOCKET });
  const probe: Probe = { name, participant, detectors: [], sinks: [] };
  participant.client.on('ended', (message) => (probe.fatal = message));
  participant.client.on('remoteTrack', (_peerId, track) => {
    // One detector per track: a track the sfu no longer sends on plays silence.
    const detector = new MarkerDetector();
    const sink = new wrtc.nonstandard.RTCAudioSink(track as unknown as WrtcTrack);
    sink.ondata = (data) => detector.push(data.samples, data.channelCount, data.sampleRate, wallMs());
    probe.detectors.push(detector);
    probe.sinks.push(sink);
  });
  await participant.startListening();
  await participant.waitForRoom(() => probe.detectors.length > 0, 'the speaker’s audio', 30_000);
  return probe;
}

async function closeProbe(probe: Probe): Promise<void> {
  for (const sink of probe.sinks) sink.stop();
  await probe.participant.close();
}

interface RtpStat {
  type: string;
  kind?: string;
  packetsReceived?: number;
  packetsLost?: number;
  packetsSent?: number;
}

async function transportStats(transport: { closed: boolean; getStats(): Promise<RTCStatsReport> } | undefined): Promise<RtpStat[]> {
  if (!transport || transport.closed) return [];
  return [...((await transport.getStats()).values() as Iterable<RtpStat>)].filter((s) => s.kind === 'audio');
}

async function sample(): Promise<Sample> {
  const out = emptySample();
  if (speaker) {
    out.peers += 1;
    for (const stat of await transportStats(speaker.client.transports.send)) if (stat.type === 'outbound-rtp') out.sent += stat.packetsSent ?? 0;
    out.markerSentMs = markerSentMs.splice(0);
  }
  for (const probe of probes) {
    out.peers += 1;
    for (const stat of await transportStats(probe.participant.client.transports.recv)) {
      if (stat.type !== 'inbound-rtp') continue;
      out.received += stat.packetsReceived ?? 0;
      out.lost += Math.max(0, stat.packetsLost ?? 0);
    }
    out.onsetsMsByProbe[probe.name] = probe.detectors.flatMap((d) => d.take());
  }
  const fatal = [speakerFatal, ...probes.map((p) => p.fatal)].filter((m): m is string => m !== undefined);
  out.fatal = fatal.length;
  out.fatalMessages = [...new Set(fatal)].slice(0, 3);
  return out;
}

async function stop(): Promise<void> {
  stopped = true;
  for (const probe of probes.splice(0)) await closeProbe(probe);
  await speaker?.close();
  speaker = undefined;
}

process.on('message', (command: ClientCommand) => {
  handle(command).then(
    (reply) => process.send?.(reply),
    (error: unknown) => process.send?.({ id: command.id, type: 'error', message: (error as Error).message } satisfies ClientReply),
  );
});
// The orchestrator is gone (finished, or killed): leave with it. wrtc may crash on a natural exit.
process.on('disconnect', () => void stop().finally(() => process.exit(0)));
