// What the bench orchestrator and its client processes say to each other over the IPC channel.

export type ClientCommand =
  | { id: number; type: 'publish'; url: string; room: string; seconds: number }
  | { id: number; type: 'addListeners'; url: string; room: string; count: number; probes: number; namePrefix: string; concurrency: number }
  | { id: number; type: 'sample' }
  | { id: number; type: 'stop' };

export interface Sample {
  peers: number;
  /** Cumulative RTP packet counters over this process's peers. */
  received: number;
  lost: number;
  sent: number;
  /** Since the previous sample: when the publisher's markers left, and when each probe heard them. */
  markerSentMs: number[];
  onsetsMsByProbe: Record<string, number[]>;
  /** This process's CPU time so far (all threads, libwebrtc's included). */
  cpuS: number;
  /** Peers the sfu hung up on, and what it told them (distinct messages). */
  fatal: number;
  fatalMessages: string[];
}

export type ClientReply =
  | { id: number; type: 'ok' }
  | { id: number; type: 'added'; connected: number; failed: number; errors: string[] }
  | ({ id: number; type: 'sample' } & Sample)
  | { id: number; type: 'error'; message: string };

type Body<T> = T extends unknown ? Omit<T, 'id'> : never;
export type ClientCommandBody = Body<ClientCommand>;
