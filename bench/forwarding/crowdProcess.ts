/**
 * A crowd of lightweight listeners: the signaling of each (socket.io, in this process) and their
 * media in one parley-listener child (ICE, DTLS, SRTP in C, no decoding). Driven by the
 * orchestrator (bench/sfu.ts) over the IPC channel; exits when it goes away.
 */
import { CrowdListener } from '../listener/CrowdListener.js';
import { DEFAULT_SRTP_VERIFY_EVERY, ListenerProgram } from '../listener/ListenerProgram.js';
import { emptySample, joinMany, type ClientCommand, type ClientReply, type Sample } from './clientMessages.js';

const verifyEvery = Math.max(1, Number(process.env.BENCH_SRTP_VERIFY_EVERY ?? DEFAULT_SRTP_VERIFY_EVERY));
const started = ListenerProgram.start(verifyEvery);
// Reported with the first command instead, which is where the orchestrator hears of it.
started.catch(() => undefined);
const listeners: CrowdListener[] = [];

async function handle(command: ClientCommand): Promise<ClientReply> {
  const { program, fingerprint } = await started;
  switch (command.type) {
    case 'addListeners': {
      const result = await joinMany(
        command.count,
        command.concurrency,
        (index) => CrowdListener.connect({ url: command.url, room: command.room, name: `${command.namePrefix}${index}`, program, fingerprint }),
        (listener) => listeners.push(listener),
      );
      return { id: command.id, type: 'added', ...result };
    }
    case 'sample': {
      const stats = await program.stats();
      const out: Sample = {
        ...emptySample(),
        peers: listeners.length,
        received: stats.packets,
        lost: stats.lost,
        arrivalsMs: stats.onsetsMs,
        programPid: program.pid,
        silent: stats.silent,
        socketDrops: stats.socketDrops,
        srtpErrors: stats.srtpErrors,
        verified: stats.verified,
      };
      const mediaFailures = listeners.map((l) => program.failed.get(l.id)).filter((m): m is string => m !== undefined);
      out.mediaFailed = mediaFailures.length;
      out.mediaFailures = [...new Set(mediaFailures)].slice(0, 3);
      const fatal = listeners.map((l) => l.fatal).filter((m): m is string => m !== undefined);
      out.fatal = fatal.length;
      out.fatalMessages = [...new Set(fatal)].slice(0, 3);
      return { id: command.id, type: 'sample', ...out };
    }
    case 'stop':
      for (const listener of listeners.splice(0)) listener.close();
      await program.stop();
      return { id: command.id, type: 'ok' };
    case 'publish':
    case 'addProbes':
    case 'replaceProbes':
      return { id: command.id, type: 'error', message: 'a crowd process holds lightweight listeners only' };
  }
}

process.on('message', (command: ClientCommand) => {
  handle(command).then(
    (reply) => process.send?.(reply),
    (error: unknown) => process.send?.({ id: command.id, type: 'error', message: (error as Error).message } satisfies ClientReply),
  );
});
process.on('disconnect', () => {
  for (const listener of listeners.splice(0)) listener.close();
  void started
    .then(({ program }) => program.stop())
    .catch(() => undefined)
    .finally(() => process.exit(0));
});
