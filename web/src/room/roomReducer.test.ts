import { describe, expect, it } from 'vitest';
import type { Caption, Participant } from '@parley/protocol';
import { selectCaptions } from './captionStore';
import { initialRoomState, roomReducer, uncaptionedSpeakers, type RoomAction, type RoomState } from './roomReducer';
import { testCaption } from '../test-support/caption';

function caption(overrides: Partial<Caption> = {}): Caption {
  return testCaption({ speakerId: 'other', ...overrides });
}

function participant(overrides: Partial<Participant> = {}): Participant {
  return { id: 'other', name: 'Ana', speaks: 'en', reads: 'en', hasMic: true, muted: false, ...overrides };
}

const run = (state: RoomState, ...actions: RoomAction[]) => actions.reduce(roomReducer, state);
const joined = () => run(initialRoomState({ withMic: true, reads: 'es' }), { type: 'joined', peerId: 'me' });

describe('roomReducer: connection and session', () => {
  it('starts connecting, with the microphone starting or off', () => {
    expect(initialRoomState({ withMic: true, reads: 'es' })).toMatchObject({ connection: 'connecting', mic: 'starting', reads: 'es', ended: false });
    expect(initialRoomState({ withMic: false, reads: 'en' }).mic).toBe('off');
  });

  it('shows a reconnect with its sentence, then clears it when connected again', () => {
    const lost = run(joined(), { type: 'connection', state: 'connecting', problem: 'The connection to the server was lost; reconnecting…', canRetry: false });
    expect(lost).toMatchObject({ connection: 'connecting', problem: 'The connection to the server was lost; reconnecting…' });
    expect(run(lost, { type: 'connection', state: 'connected', problem: null, canRetry: false })).toMatchObject({ connection: 'connected', problem: null });
  });

  it('ends for good: later connection news cannot bring it back, streams and speakers are cleared', () => {
    const stream = {} as MediaStream;
    const before = run(joined(), { type: 'remoteTrack', peerId: 'p', stream }, { type: 'activeSpeakers', ids: ['p'] }, { type: 'captionsDelayed', delayed: true });
    const ended = run(before, { type: 'ended', message: 'You signed out; sign in again to rejoin.', withMic: true });
    expect(ended).toMatchObject({ ended: true, connection: 'failed', problem: 'You signed out; sign in again to rejoin.', remoteStreams: [], activeSpeakers: [], captionsDelayed: false, mic: 'unavailable' });
    expect(run(ended, { type: 'connection', state: 'connected', problem: null, canRetry: false })).toBe(ended);
    expect(run(ended, { type: 'ended', message: 'again', withMic: true })).toBe(ended);
  });

  it('keeps one stream per participant, replacing it on a new track, dropping it when it ends', () => {
    const a = {} as MediaStream;
    const b = {} as MediaStream;
    const state = run(joined(), { type: 'remoteTrack', peerId: 'p', stream: a }, { type: 'remoteTrack', peerId: 'p', stream: b }, { type: 'remoteTrack', peerId: 'q', stream: a });
    expect(state.remoteStreams).toEqual([{ peerId: 'p', stream: b }, { peerId: 'q', stream: a }]);
    expect(run(state, { type: 'remoteTrackEnded', peerId: 'p' }).remoteStreams).toEqual([{ peerId: 'q', stream: a }]);
  });

  it('tells a mute by the host from my own, and forgets it when I unmute', () => {
    const byHost = run(joined(), { type: 'mutedByHost' });
    expect(byHost).toMatchObject({ muted: true, mutedByHost: true });
    expect(run(byHost, { type: 'muted', muted: true })).toMatchObject({ muted: true, mutedByHost: true });
    expect(run(byHost, { type: 'muted', muted: false })).toMatchObject({ muted: false, mutedByHost: false });
  });

  it('records a microphone problem as a sentence, and the latest connection quality', () => {
    const state = run(joined(), { type: 'mic', state: 'unavailable', problem: 'No microphone was found…' }, { type: 'quality', quality: 'poor' });
    expect(state).toMatchObject({ mic: 'unavailable', micProblem: 'No microphone was found…', quality: 'poor' });
  });

  it('does not produce a new state for a delay notice that changes nothing', () => {
    const state = joined();
    expect(run(state, { type: 'captionsDelayed', delayed: false })).toBe(state);
  });

  it('pauses captions while the server says so, and an ended session clears it', () => {
    const paused = run(joined(), { type: 'captionsPaused', paused: true });
    expect(paused.captionsPaused).toBe(true);
    expect(run(paused, { type: 'captionsPaused', paused: true })).toBe(paused);
    expect(run(paused, { type: 'captionsPaused', paused: false }).captionsPaused).toBe(false);
    expect(run(paused, { type: 'ended', message: 'Gone.', withMic: false }).captionsPaused).toBe(false);
  });
});

describe('roomReducer: captions and announcements', () => {
  it('replaces an interim with its final in place, and announces the final once', () => {
    const interim = run(joined(), { type: 'caption', caption: caption({ seq: 1, text: 'ho' }) });
    expect(interim.announcement).toBeNull();
    const final = run(interim, { type: 'caption', caption: caption({ seq: 2, kind: 'final', text: 'hola' }) });
    expect(selectCaptions(final.captions).map((c) => [c.kind, c.text])).toEqual([['final', 'hola']]);
    expect(final.announcement).toEqual({ utteranceId: 'u1', caption: expect.objectContaining({ text: 'hola', kind: 'final' }) });
    // A later revision of the same final changes the text, not the announcement.
    const revised = run(final, { type: 'caption', caption: caption({ seq: 3, kind: 'final', text: 'hola, amigos' }) });
    expect(selectCaptions(revised.captions)[0]!.text).toBe('hola, amigos');
    expect(revised.announcement).toBe(final.announcement);
  });

  it('ignores a late interim after the final and a duplicate (same state object)', () => {
    const final = run(joined(), { type: 'caption', caption: caption({ seq: 2, kind: 'final' }) });
    expect(run(final, { type: 'caption', caption: caption({ seq: 3, kind: 'interim', text: 'late' }) })).toBe(final);
    expect(run(final, { type: 'caption', caption: caption({ seq: 2, kind: 'final' }) })).toBe(final);
  });

  it('announces neither my own finals nor empty ones', () => {
    const mine = run(joined(), { type: 'caption', caption: caption({ speakerId: 'me', kind: 'final' }) });
    expect(mine.announcement).toBeNull();
    const empty = run(joined(), { type: 'caption', caption: caption({ kind: 'final', text: '  ' }) });
    expect(empty.announcement).toBeNull();
  });
});

describe('roomReducer: changing the caption language', () => {
  it('shows the change pending, then applies it when confirmed', () => {
    const pending = run(joined(), { type: 'readsRequested', reads: 'fr' });
    expect(pending).toMatchObject({ reads: 'es', readsPending: 'fr', readsError: null });
    expect(run(pending, { type: 'readsChanged', reads: 'fr' })).toMatchObject({ reads: 'fr', readsPending: null });
  });

  it('keeps the old language and says why when the change fails; a stale failure is ignored', () => {
    const pending = run(joined(), { type: 'readsRequested', reads: 'fr' });
    const failed = run(pending, { type: 'readsFailed', reads: 'fr', error: 'The caption language could not be changed: timeout' });
    expect(failed).toMatchObject({ reads: 'es', readsPending: null, readsError: 'The caption language could not be changed: timeout' });
    const other = run(joined(), { type: 'readsRequested', reads: 'de' });
    expect(run(other, { type: 'readsFailed', reads: 'fr', error: 'x' })).toBe(other);
  });
});

describe('uncaptionedSpeakers', () => {
  const engines = { 'en>es': 'pocketsphinx+apertium', 'de>es': 'none', 'en>fr': 'pocketsphinx+none' };

  it('names speakers whose language cannot reach mine, not listeners, nor me', () => {
    const state = {
      ...joined(),
      engines,
      participants: [participant(), participant({ id: 'd', name: 'Dieter', speaks: 'de' }), participant({ id: 'l', speaks: 'de', hasMic: false }), participant({ id: 'me', speaks: 'de' })],
    };
    expect(uncaptionedSpeakers(state).map((p) => p.name)).toEqual(['Dieter']);
    expect(uncaptionedSpeakers({ ...state, reads: 'fr' }).map((p) => p.name)).toEqual(['Ana', 'Dieter']);
  });

  it('says nothing before the engine table is known', () => {
    expect(uncaptionedSpeakers({ ...joined(), participants: [participant({ speaks: 'de' })] })).toEqual([]);
  });
});
