import { describe, expect, it } from 'vitest';
import { historyFromLocation, historyPath, normalizeRoomInput, roomFromLocation, roomPath } from './roomUrl';

describe('roomUrl', () => {
  it('reads the room from /r/<room> and from ?room=', () => {
    expect(roomFromLocation({ pathname: '/r/team-sync', search: '' })).toBe('team-sync');
    expect(roomFromLocation({ pathname: '/r/team-sync/', search: '' })).toBe('team-sync');
    expect(roomFromLocation({ pathname: '/', search: '?room=abc_1' })).toBe('abc_1');
    expect(roomFromLocation({ pathname: '/', search: '' })).toBeNull();
    expect(roomFromLocation({ pathname: '/r/%E0%A4%A', search: '' })).toBeNull();
  });

  it('builds the shareable path', () => {
    expect(roomPath('team-sync')).toBe('/r/team-sync');
  });

  it('takes the room out of a pasted link', () => {
    expect(normalizeRoomInput('  https://parley.example/r/standup ')).toBe('standup');
    expect(normalizeRoomInput('http://host:5026/?room=x1')).toBe('x1');
    expect(normalizeRoomInput(' standup ')).toBe('standup');
  });

  it('reads and builds history paths', () => {
    expect(historyFromLocation({ pathname: '/history' })).toEqual({ room: null });
    expect(historyFromLocation({ pathname: '/history/' })).toEqual({ room: null });
    expect(historyFromLocation({ pathname: '/history/team-sync' })).toEqual({ room: 'team-sync' });
    expect(historyFromLocation({ pathname: '/r/team-sync' })).toBeNull();
    expect(historyPath(null)).toBe('/history');
    expect(historyPath('a_b')).toBe('/history/a_b');
  });
});
