import type { ConnectionQuality, ConnectionState, MicState } from '@parley/client';
import type { Caption, LanguageCode, Participant, RoomEngines } from '@parley/protocol';
import { captionReducer, initialCaptionState, type CaptionState } from './captionStore';

export type { ConnectionState, MicState };

/** Another participant's audio, played by an <audio> element. */
export interface RemoteStream {
  peerId: string;
  stream: MediaStream;
}

/** A finished phrase, for the screen reader's live region and for reading aloud. */
export interface Announcement {
  utteranceId: string;
  caption: Caption;
}

/** Everything the room page shows, changed only by RoomAction. */
export interface RoomState {
  connection: ConnectionState;
  /** Why the connection is not (fully) up, as a sentence for the person; null when all is well. */
  problem: string | null;
  /** Whether "try again" can help with `problem`. */
  canRetry: boolean;
  /** The session is over for good (the server sent a fatal error); only leaving is left. */
  ended: boolean;
  mic: MicState;
  micProblem: string | null;
  muted: boolean;
  /** The host muted me (until I unmute). */
  mutedByHost: boolean;
  peerId: string | null;
  participants: Participant[];
  captionsDelayed: boolean;
  /** The server lost its caption pipeline for now: what is said is captioned when it is back. */
  captionsPaused: boolean;
  quality: ConnectionQuality | null;
  remoteStreams: RemoteStream[];
  /** Participants speaking now, loudest first. */
  activeSpeakers: string[];
  /** Which engines caption each language pair, "en>es" → "pocketsphinx+apertium". */
  engines: RoomEngines;
  /** The language captions arrive in now. */
  reads: LanguageCode;
  /** A change of caption language the server has not confirmed yet. */
  readsPending: LanguageCode | null;
  /** Why the last change of caption language failed. */
  readsError: string | null;
  captions: CaptionState;
  /** The last phrase of someone else that became final; each utterance once. */
  announcement: Announcement | null;
}

export type RoomAction =
  | { type: 'connection'; state: ConnectionState; problem: string | null; canRetry: boolean }
  | { type: 'joined'; peerId: string }
  | { type: 'ended'; message: string; withMic: boolean }
  | { type: 'participants'; participants: Participant[] }
  | { type: 'caption'; caption: Caption }
  | { type: 'engines'; engines: RoomEngines }
  | { type: 'activeSpeakers'; ids: string[] }
  | { type: 'captionsDelayed'; delayed: boolean }
  | { type: 'captionsPaused'; paused: boolean }
  | { type: 'quality'; quality: ConnectionQuality }
  | { type: 'mic'; state: MicState; problem: string | null }
  | { type: 'muted'; muted: boolean }
  | { type: 'mutedByHost' }
  | { type: 'readsRequested'; reads: LanguageCode }
  | { type: 'readsChanged'; reads: LanguageCode }
  | { type: 'readsFailed'; reads: LanguageCode; error: string }
  | { type: 'remoteTrack'; peerId: string; stream: MediaStream }
  | { type: 'remoteTrackEnded'; peerId: string }
  | { type: 'problem'; problem: string };

export function initialRoomState(options: { withMic: boolean; reads: LanguageCode }): RoomState {
  return {
    connection: 'connecting',
    problem: null,
    canRetry: false,
    ended: false,
    mic: options.withMic ? 'starting' : 'off',
    micProblem: null,
    muted: false,
    mutedByHost: false,
    peerId: null,
    participants: [],
    captionsDelayed: false,
    captionsPaused: false,
    quality: null,
    remoteStreams: [],
    activeSpeakers: [],
    engines: {},
    reads: options.reads,
    readsPending: null,
    readsError: null,
    captions: initialCaptionState,
    announcement: null,
  };
}

function onCaption(state: RoomState, caption: Caption): RoomState {
  const before = state.captions.byId.get(caption.utteranceId);
  const captions = captionReducer(state.captions, { type: 'received', caption });
  if (captions === state.captions) return state;
  // Announced once: when the utterance first becomes final, never for a later revision, never my own.
  const firstFinal = caption.kind === 'final' && before?.kind !== 'final';
  const announce = firstFinal && caption.speakerId !== state.peerId && caption.text.trim() !== '';
  return { ...state, captions, announcement: announce ? { utteranceId: caption.utteranceId, caption } : state.announcement };
}

export function roomReducer(state: RoomState, action: RoomAction): RoomState {
  switch (action.type) {
    case 'connection':
      if (state.ended) return state;
      return { ...state, connection: action.state, problem: action.problem, canRetry: action.canRetry };
    case 'joined':
      return { ...state, peerId: action.peerId, activeSpeakers: [] };
    case 'ended':
      if (state.ended) return state;
      return {
        ...state,
        connection: 'failed',
        problem: action.message,
        canRetry: false,
        ended: true,
        captionsDelayed: false,
        captionsPaused: false,
        mic: action.withMic ? 'unavailable' : 'off',
        remoteStreams: [],
        activeSpeakers: [],
        readsPending: null,
      };
    case 'participants':
      return { ...state, participants: action.participants };
    case 'caption':
      return onCaption(state, action.caption);
    case 'engines':
      return { ...state, engines: action.engines };
    case 'activeSpeakers':
      return { ...state, activeSpeakers: action.ids };
    case 'captionsDelayed':
      return state.captionsDelayed === action.delayed ? state : { ...state, captionsDelayed: action.delayed };
    case 'captionsPaused':
      return state.captionsPaused === action.paused ? state : { ...state, captionsPaused: action.paused };
    case 'quality':
      return { ...state, quality: action.quality };
    case 'mic':
      return { ...state, mic: action.state, micProblem: action.problem };
    case 'muted':
      return { ...state, muted: action.muted, mutedByHost: action.muted ? state.mutedByHost : false };
    case 'mutedByHost':
      return { ...state, muted: true, mutedByHost: true };
    case 'readsRequested':
      return { ...state, readsPending: action.reads, readsError: null };
    case 'readsChanged':
      return { ...state, reads: action.reads, readsPending: state.readsPending === action.reads ? null : state.readsPending };
    case 'readsFailed':
      if (state.readsPending !== action.reads) return state;
      return { ...state, readsPending: null, readsError: action.error };
    case 'remoteTrack':
      return { ...state, remoteStreams: [...state.remoteStreams.filter((s) => s.peerId !== action.peerId), { peerId: action.peerId, stream: action.stream }] };
    case 'remoteTrackEnded':
      return { ...state, remoteStreams: state.remoteStreams.filter((s) => s.peerId !== action.peerId) };
    case 'problem':
      return { ...state, problem: action.problem };
  }
}

/** Speakers whose captions cannot reach me: nothing recognises their language, or nothing translates it into mine. */
export function uncaptionedSpeakers(state: Pick<RoomState, 'participants' | 'engines' | 'reads' | 'peerId'>): Participant[] {
  if (Object.keys(state.engines).length === 0) return [];
  return state.participants.filter((p) => {
    if (p.id === state.peerId || !p.hasMic) return false;
    const engine = state.engines[`${p.speaks}>${state.reads}`];
    return engine === undefined || engine === 'none' || engine.endsWith('+none');
  });
}
