/**
 * CPU cost of audio forwarding in the SFU: one speaker, N listen-only listeners (real WebRTC via
 * @roamhq/wrtc). The SFU runs as its own process under `node --cpu-prof`; its CPU time (from
 * /proc) with no listeners is subtracted from its CPU time with N, and divided by the packets the
 * listeners received. Prints µs per forwarded packet and the profile's top functions by self time.
 *
 *   npx tsx bench/forwardingProfile.ts [listeners=50] [seconds=15]
 */
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ChildProcess } from '../scripts/lib/ChildProcess.js';
import { freePort, httpOk, portOpen, waitFor } from '../scripts/lib/freePort.js';
import { WrtcParticipant } from '../scripts/lib/WrtcParticipant.js';

const listenerCount = Number(process.argv[2] ?? 50);
const seconds = Number(process.argv[3] ?? 15);
const profileDir = join('test-results', 'forwarding-profile', String(Date.now()));
mkdirSync(profileDir, { recursive: true });

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second here).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function measure(pid: number, listeners: WrtcParticipant[], durationS: number): Promise<{ cpuMs: number; packets: number }> {
  const packetsBefore = (await Promise.all(listeners.map((l) => l.packetsReceived()))).reduce((a, b) => a + b, 0);
  const cpuBefore = cpuMs(pid);
  await new Promise((r) => setTimeout(r, durationS * 1000));
  const cpu = cpuMs(pid) - cpuBefore;
  const packetsAfter = (await Promise.all(listeners.map((l) => l.packetsReceived()))).reduce((a, b) => a + b, 0);
  return { cpuMs: cpu, packets: packetsAfter - packetsBefore };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Self and inclusive CPU time per function of a .cpuprofile, as shares of the busy (non-idle) time. */
function summarizeProfile(file: string, count: number): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const nameOf = (node: ProfileNode) => {
    const where = node.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/work\/main\//, '');
    return `${node.callFrame.functionName || '(anonymous)'} ${where}:${node.callFrame.lineNumber + 1}`;
  };
  const inclusive = new Map<number, number>();
  const total = (id: number): number => {
    const known = inclusive.get(id);
    if (known !== undefined) return known;
    const node = nodes.get(id)!;
    const sum = (selfUs.get(id) ?? 0) + (node.children ?? []).reduce((acc, child) => acc + total(child), 0);
    inclusive.set(id, sum);
    return sum;
  };
  const selfByName = new Map<string, number>();
  const inclusiveByName = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const name = nameOf(node);
    const self = selfUs.get(node.id) ?? 0;
    if (node.callFrame.functionName !== '(idle)') busy += self;
    selfByName.set(name, (selfByName.get(name) ?? 0) + self);
    // Counted once per call path; recursion is absent on these paths.
    inclusiveByName.set(name, (inclusiveByName.get(name) ?? 0) + total(node.id));
  }
  selfByName.delete('(idle) :1');
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const self = [...selfByName.entries()].sort((a, b) => b[1] - a[1]).slice(0, count);
  const watched = [...inclusiveByName.entries()]
    .filter(([name]) => /^(send|onRtp|sendRtp|encrypt|handleRTP|routeRtp|decrypt|doSend|rtpPacketSent|runRtcp|serialize) /.test(name))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 16);
  return [
    `busy time ${(busy / 1e6).toFixed(2)} s; self time, share of busy:`,
    ...self.map(([name, us]) => `${pct(us)}  ${name}`),
    'inclusive time of the forwarding path, share of busy:',
    ...watched.map(([name, us]) => `${pct(us)}  ${name}`),
  ];
}

const redisPort = await freePort();
const sfuPort = await freePort();
const redis = new ChildProcess({ name: 'redis', command: 'redis-server', args: ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'] });
await waitFor('redis', () => portOpen(redisPort), 15_000, () => redis.deathReason);
const sfu = new ChildProcess({
  name: 'sfu',
  command: process.execPath,
  args: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--import', 'tsx', 'sfu/src/main.ts'],
  env: {
    ...process.env,
    GATEWAY_PORT: String(sfuPort),
    HOST: '127.0.0.1',
    RTC_LISTEN_IP: '127.0.0.1',
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    MAX_PARTICIPANTS_PER_ROOM: String(listenerCount + 5),
    LOG_LEVEL: 'warn',
  },
  echo: true,
});
const url = `http://127.0.0.1:${sfuPort}`;
await waitFor('sfu', () => httpOk(`${url}/healthz`), 30_000, () => sfu.deathReason);
const pid = sfu.pid!;

const speaker = await WrtcParticipant.join({ url, room: 'bench', name: 'Speaker', speaks: 'en', reads: 'en' });
await speaker.startMicrophone();
const stopTone = speaker.playTone(440);
await new Promise((r) => setTimeout(r, 3_000));
const alone = await measure(pid, [], seconds);
console.log(`speaker alone: ${(alone.cpuMs / seconds).toFixed(1)} ms CPU/s`);

const listeners: WrtcParticipant[] = [];
for (let i = 0; i < listenerCount; i++) {
  const listener = await WrtcParticipant.join({ url, room: 'bench', name: `L${i}`, speaks: 'en', reads: 'en', receiveAudio: false });
  await listener.startListening();
  listeners.push(listener);
}
await new Promise((r) => setTimeout(r, 3_000));
const loaded = await measure(pid, listeners, seconds);
const forwardingMs = loaded.cpuMs - alone.cpuMs;
console.log(`${listenerCount} listeners: ${(loaded.cpuMs / seconds).toFixed(1)} ms CPU/s, ${loaded.packets} packets received`);
console.log(`forwarding: ${((forwardingMs * 1000) / loaded.packets).toFixed(1)} µs CPU per forwarded packet`);

await stopTone();
await Promise.all([speaker, ...listeners].map((p) => p.close()));
await sfu.stop(10_000);
await redis.stop();
const profile = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
if (profile) {
  console.log(`profile: ${join(profileDir, profile)}`);
  for (const line of summarizeProfile(join(profileDir, profile), 30)) console.log(line);
}
process.exit(0);
