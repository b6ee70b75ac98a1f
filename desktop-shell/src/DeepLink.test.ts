import { describe, expect, it } from 'vitest';
import { deepLinkFromArgv, parseDeepLink, roomUrl } from './DeepLink.js';

describe('parley:// deep links', () => {
  it('reads a room from parley://join/<room>', () => {
    expect(parseDeepLink('parley://join/standup')).toEqual({ kind: 'join', room: 'standup' });
    expect(parseDeepLink('parley://join/Team-1_a/')).toEqual({ kind: 'join', room: 'Team-1_a' });
    expect(parseDeepLink('PARLEY://join/weekly')).toEqual({ kind: 'join', room: 'weekly' });
    expect(parseDeepLink(`parley://join/${'a'.repeat(64)}`)).toEqual({ kind: 'join', room: 'a'.repeat(64) });
  });

  it.each([
    ['empty', ''],
    ['no room', 'parley://join/'],
    ['parent path', 'parley://join/../../etc/passwd'],
    ['encoded parent path', 'parley://join/%2e%2e%2fsettings'],
    ['encoded slash', 'parley://join/a%2Fb'],
    ['NUL byte', 'parley://join/a%00b'],
    ['raw NUL byte', 'parley://join/a\u0000b'],
    ['a path below the room', 'parley://join/room/extra'],
    ['a query', 'parley://join/room?server=https://evil.example'],
    ['a fragment', 'parley://join/room#x'],
    ['another action', 'parley://settings/reset'],
    ['a host before join', 'parley://evil.example/join/room'],
    ['credentials', 'parley://user:secret@join/room'],
    ['a port', 'parley://join:443/room'],
    ['no slashes', 'parley:join/room'],
    ['three slashes', 'parley:///join/room'],
    ['another scheme', 'https://join/room'],
    ['a scheme in front', 'javascript:alert(1)//parley://join/room'],
    ['a space', 'parley://join/a room'],
    ['a newline', 'parley://join/room\n--inspect'],
    ['a backslash', 'parley://join\\room'],
    ['quotes and a command-line flag', 'parley://join/room" --gpu-launcher="calc.exe'],
    ['a leading dash', 'parley://join/-room'],
    ['non-ASCII letters', 'parley://join/r\u00f6\u00f6m'],
    ['a look-alike slash', 'parley://join\u2215room'],
    ['a room name too long', `parley://join/${'a'.repeat(65)}`],
    ['10,000 characters', `parley://join/${'a'.repeat(10_000)}`],
  ])('refuses %s', (_what, link) => {
    expect(parseDeepLink(link)).toBeNull();
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 42, {}, ['parley://join/room']]) expect(parseDeepLink(value)).toBeNull();
  });

  it('finds the link among a launch’s arguments, and ignores the rest', () => {
    expect(deepLinkFromArgv(['C:\\Parley\\Parley.exe', '--allow-file-access', 'parley://join/standup'])).toEqual({ kind: 'join', room: 'standup' });
    expect(deepLinkFromArgv(['Parley.exe', 'parley://join/bad%20room', 'parley://join/good'])).toEqual({ kind: 'join', room: 'good' });
    expect(deepLinkFromArgv(['Parley.exe', '--inspect=9229', 'https://parley.example.org/r/room'])).toBeNull();
    expect(deepLinkFromArgv([])).toBeNull();
  });

  it('opens the room on the configured server', () => {
    expect(roomUrl('https://parley.example.org', 'standup')).toBe('https://parley.example.org/r/standup');
  });
});
