import { describe, expect, it } from 'vitest';
import { PermissionPolicy } from './PermissionPolicy.js';
import { FakeSession } from './testing/FakeElectron.js';

const SERVER = 'https://parley.example.org';

describe('permissions (Electron’s APIs injected: the Electron binary cannot run here)', () => {
  /** `null`: no server chosen yet. */
  function session(server: string | null = SERVER): FakeSession {
    const s = new FakeSession();
    new PermissionPolicy(() => server ?? undefined).install(s);
    return s;
  }

  it('grants the microphone to the configured server’s top frame', async () => {
    expect(await session().requestPermission('media', `${SERVER}/r/standup`, ['audio'])).toBe(true);
  });

  it('refuses the microphone to any other origin, to frames, and before a server is chosen', async () => {
    const s = session();
    for (const url of ['https://evil.example/', 'http://parley.example.org/', 'https://parley.example.org:444/', 'https://sub.parley.example.org/', 'file:///C:/x.html', 'not a url']) {
      expect(await s.requestPermission('media', url, ['audio']), url).toBe(false);
    }
    expect(await s.requestPermission('media', `${SERVER}/`, ['audio'], false)).toBe(false);
    expect(await session(null).requestPermission('media', `${SERVER}/`, ['audio'])).toBe(false);
  });

  it('refuses the camera and screen capture even to the server', async () => {
    const s = session();
    expect(await s.requestPermission('media', `${SERVER}/`, ['video'])).toBe(false);
    expect(await s.requestPermission('media', `${SERVER}/`, ['audio', 'video'])).toBe(false);
    expect(await s.requestPermission('media', `${SERVER}/`, [])).toBe(false);
    expect(await s.requestPermission('display-capture', `${SERVER}/`)).toBe(false);
  });

  it('refuses every other permission, but lets the server write an invite link to the clipboard', async () => {
    const s = session();
    for (const permission of ['geolocation', 'notifications', 'openExternal', 'midiSysex', 'pointerLock', 'fullscreen', 'clipboard-read', 'fileSystem', 'unknown']) {
      expect(await s.requestPermission(permission, `${SERVER}/`), permission).toBe(false);
    }
    expect(await s.requestPermission('clipboard-sanitized-write', `${SERVER}/`)).toBe(true);
    expect(await s.requestPermission('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
  });

  it('answers permission checks the same way', () => {
    const check = session().permissionCheckHandler!;
    expect(check({}, 'media', SERVER, { requestingUrl: `${SERVER}/r/x`, mediaType: 'audio', isMainFrame: true })).toBe(true);
    expect(check({}, 'media', SERVER, { requestingUrl: `${SERVER}/r/x`, mediaType: 'video', isMainFrame: true })).toBe(false);
    expect(check({}, 'media', 'https://evil.example', { requestingUrl: 'https://evil.example/', mediaType: 'audio', isMainFrame: true })).toBe(false);
    expect(check({}, 'geolocation', SERVER, { requestingUrl: `${SERVER}/`, isMainFrame: true })).toBe(false);
  });
});
