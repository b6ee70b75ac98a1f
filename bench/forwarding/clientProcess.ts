/**
 * A bench client process: the publisher, or a share of the listeners, driven by the orchestrator
 * (bench/sfu.ts) over the IPC channel. It exits when the orchestrator goes away.
 */
import { loadLibrivoxClips } from '../speechClips.js';
import { BenchPeer } from './BenchPeer.js';
import type { ClientCommand, ClientReply, Sample } from './clientMessages.js';
import { buildMarkedSpeech } from './markedSpeech.js';

const peers: BenchPeer[] = [];

async function handle(command: ClientCommand): Promise<ClientReply> {
  switch (command.type) {
    case 'publish': {
      const pcm = buildMarkedSpeech(
        loadLibrivoxClips().map((c) => c.samples48k),
        command.seconds,
      );
      const publisher = await BenchPeer.connect({ url: command.url, room: command.room, name: 'Speaker', role: 'publisher' });
      peers.push(publisher);
      void publisher.play(pcm);
      return { id: command.id, type: 'ok' };
    }
    case 'addListeners':
      return { id: command.id, type: 'added', ...(await addListeners(command)) };
    case 'sample':
      return { id: command.id, type: 'sample', ...(await sample()) };
    case 'stop':
      for (const peer of peers.splice(0)) peer.close();
      return { id: command.id, type: 'ok' };
  }
}

async function addListeners(command: Extract<ClientCommand, { type: 'addListeners' }>): Promise<{ connected: number; failed: number; errors: string[] }> {
  let next = 0;
  let connected = 0;
  const errors: string[] = [];
  const worker = async (): Promise<void> => {
    while (next < command.count) {
      const index = next++;
      try {
        const peer = await BenchPeer.connect({
          url: command.url,
          room: command.room,
          name: `${command.namePrefix}${index}`,
          role: 'listener',
          probe: index < command.probes,
        });
        peers.push(peer);
        connected++;
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(command.concurrency, command.count) }, worker));
  return { connected, failed: errors.length, errors: [...new Set(errors)].slice(0, 5) };
}

async function sample(): Promise<Sample> {
  const counters = await Promise.all(peers.map((p) => p.counters()));
  const cpu = process.cpuUsage();
  return {
    peers: peers.length,
    received: counters.reduce((n, c) => n + c.received, 0),
    lost: counters.reduce((n, c) => n + c.lost, 0),
    sent: counters.reduce((n, c) => n + c.sent, 0),
    markerSentMs: peers.flatMap((p) => p.markerSentMs.splice(0)),
    onsetsMsByProbe: Object.fromEntries(peers.filter((p) => p.isProbe).map((p) => [p.name, p.takeOnsets()])),
    cpuS: (cpu.user + cpu.system) / 1e6,
    fatal: peers.filter((p) => p.fatal !== undefined).length,
    fatalMessages: [...new Set(peers.flatMap((p) => (p.fatal === undefined ? [] : [p.fatal])))].slice(0, 3),
  };
}

process.on('message', (command: ClientCommand) => {
  handle(command).then(
    (reply) => process.send?.(reply),
    (error: unknown) => process.send?.({ id: command.id, type: 'error', message: (error as Error).message } satisfies ClientReply),
  );
});
// The orchestrator is gone (finished, or killed): leave with it.
process.on('disconnect', () => {
  for (const peer of peers.splice(0)) peer.close();
  process.exit(0);
});
