// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RoomNotices } from './RoomNotices';
import { initialRoomState, roomReducer, type RoomAction, type RoomState } from './roomReducer';

const state = (...actions: RoomAction[]): RoomState =>
  actions.reduce(roomReducer, roomReducer(initialRoomState({ withMic: true, reads: 'es' }), { type: 'joined', peerId: 'me' }));

afterEach(cleanup);

describe('RoomNotices', () => {
  it('shows nothing when all is well', () => {
    const { container } = render(<RoomNotices state={state({ type: 'connection', state: 'connected', problem: null, canRetry: false })} onRetry={() => undefined} />);
    expect(container.querySelector('.room-notices')!.children).toHaveLength(0);
  });

  it('says the connection was lost while reconnecting, and offers a retry where it can help', () => {
    const onRetry = vi.fn();
    const { rerender } = render(<RoomNotices state={state({ type: 'connection', state: 'connecting', problem: 'The Parley server cannot be reached; trying again…', canRetry: false })} onRetry={onRetry} />);
    expect(screen.getByRole('alert').textContent).toBe('The Parley server cannot be reached; trying again…');
    expect(screen.queryByRole('button', { name: 'Try again' })).toBeNull();
    rerender(<RoomNotices state={state({ type: 'connection', state: 'failed', problem: 'The audio connection to the server failed.', canRetry: true })} onRetry={onRetry} />);
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(onRetry).toHaveBeenCalledOnce();
  });

  it('warns of a weak connection only while connected, and of delayed captions', () => {
    const poor = state({ type: 'connection', state: 'connected', problem: null, canRetry: false }, { type: 'quality', quality: 'poor' }, { type: 'captionsDelayed', delayed: true });
    render(<RoomNotices state={poor} onRetry={() => undefined} />);
    expect(screen.getByTestId('quality-warning').textContent).toMatch(/^Your connection is weak/);
    expect(screen.getByTestId('captions-delayed').textContent).toMatch(/^Captions are delayed/);
    cleanup();
    render(<RoomNotices state={{ ...poor, connection: 'connecting' }} onRetry={() => undefined} />);
    expect(screen.queryByTestId('quality-warning')).toBeNull();
  });

  it('says captions are paused while the server has lost its caption service, in place of the delay notice', () => {
    const paused = state({ type: 'captionsDelayed', delayed: true }, { type: 'captionsPaused', paused: true });
    render(<RoomNotices state={paused} onRetry={() => undefined} />);
    expect(screen.getByTestId('captions-paused').textContent).toMatch(/^Captions are paused/);
    expect(screen.queryByTestId('captions-delayed')).toBeNull();
    cleanup();
    render(<RoomNotices state={state({ type: 'captionsPaused', paused: true }, { type: 'captionsPaused', paused: false })} onRetry={() => undefined} />);
    expect(screen.queryByTestId('captions-paused')).toBeNull();
  });

  it('tells me the host muted me, and a failed caption language change', () => {
    render(<RoomNotices state={state({ type: 'mutedByHost' }, { type: 'readsRequested', reads: 'fr' }, { type: 'readsFailed', reads: 'fr', error: 'The caption language could not be changed: timeout' })} onRetry={() => undefined} />);
    expect(screen.getByTestId('muted-by-host').textContent).toBe('The host muted your microphone. Unmute when you want to speak again.');
    expect(screen.getByText('The caption language could not be changed: timeout')).toBeTruthy();
  });

  it('names the speakers whose language cannot be captioned into mine', () => {
    const s = state(
      { type: 'engines', engines: { 'en>es': 'pocketsphinx+apertium', 'de>es': 'none' } },
      { type: 'participants', participants: [{ id: 'd', name: 'Dora', speaks: 'de', reads: 'de', hasMic: true, muted: false }] },
    );
    render(<RoomNotices state={s} onRetry={() => undefined} />);
    expect(screen.getByTestId('pair-unavailable').textContent).toMatch(/^No captions in Español for Dora \(who speaks Deutsch\)/);
  });
});
