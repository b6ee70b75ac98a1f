import { captionSchema, joinMoveSchema, participantListSchema, roomEnginesSchema } from '@parley/protocol';
import type { RoomClientEvents } from './RoomClient.js';
import type { ParleySocket } from './SignalingClient.js';

type Forwarded = 'participants' | 'caption' | 'engines' | 'activeSpeakers' | 'captionsDelayed' | 'captionsPaused';

export interface ServerEventHandlers {
  /** Notices passed on to the RoomClient's listeners as they are (once checked). */
  emit: <K extends Forwarded>(event: K, ...args: RoomClientEvents[K]) => void;
  fatal: (message: string) => void;
  newConsumer: (consumer: unknown, ack: (reply: unknown) => void) => void;
  consumerClosed: (consumerId: unknown) => void;
  mediaReset: (reason: string) => void;
  roomMoved: (url: string) => void;
}

/** Registers the server's events on a socket; what the server sends is checked like what it receives, and a bad message is dropped. */
export function listenToServer(socket: ParleySocket, on: ServerEventHandlers): void {
  socket.on('participants', (participants) => {
    const parsed = participantListSchema.safeParse(participants);
    if (parsed.success) on.emit('participants', parsed.data);
  });
  socket.on('caption', (caption) => {
    const parsed = captionSchema.safeParse(caption);
    if (parsed.success) on.emit('caption', parsed.data);
  });
  socket.on('engines', (engines) => {
    const parsed = roomEnginesSchema.safeParse(engines);
    if (parsed.success) on.emit('engines', parsed.data);
  });
  socket.on('activeSpeakers', (notice) => {
    if (Array.isArray(notice?.ids)) on.emit('activeSpeakers', notice.ids.filter((id): id is string => typeof id === 'string'));
  });
  socket.on('captionsDelayed', (notice) => on.emit('captionsDelayed', Number(notice?.backlog) || 0));
  socket.on('captionsPaused', (notice) => on.emit('captionsPaused', notice?.paused === true));
  socket.on('fatal', (error) => on.fatal(typeof error?.message === 'string' ? error.message : 'The server ended the session.'));
  socket.on('newConsumer', (consumer, ack) => on.newConsumer(consumer, ack));
  socket.on('consumerClosed', (notice) => on.consumerClosed(notice?.consumerId));
  socket.on('mediaReset', (notice) => on.mediaReset(typeof notice?.reason === 'string' ? notice.reason : ''));
  socket.on('roomMoved', (notice) => {
    const parsed = joinMoveSchema.safeParse(notice);
    if (parsed.success) on.roomMoved(parsed.data.moveTo);
  });
}
