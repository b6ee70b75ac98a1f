import { describe, expect, it } from 'vitest';
import { CHANNELS } from './bridge.js';
import { BridgeHandlers, type BridgeTarget } from './BridgeHandlers.js';
import { FakeIpcMain } from './testing/FakeElectron.js';

const SERVER = 'https://parley.example.org';
const FIRST_RUN = 'file:///opt/Parley/dist/static/first-run.html';

describe('preload bridge, main-process end (Electron’s APIs injected: the Electron binary cannot run here)', () => {
  function setup() {
    const calls: string[] = [];
    const target: BridgeTarget = {
      firstRunInfo: () => (calls.push('info'), { suggestedServer: '', version: '0.1.0' }),
      checkServer: async (a) => (calls.push(`check ${a}`), { ok: true, origin: SERVER }),
      useServer: async (a) => (calls.push(`use ${a}`), { ok: true, origin: SERVER }),
      signIn: async () => (calls.push('signIn'), { ok: false, reason: 'timeout', error: 'x' }),
      signOut: async () => (calls.push('signOut'), { revoked: true }),
      isFirstRunPage: (url) => url.split('?')[0] === FIRST_RUN,
      isServerPage: (url) => url.startsWith(`${SERVER}/`),
    };
    const ipc = new FakeIpcMain();
    new BridgeHandlers(ipc, target).register();
    return { ipc, calls };
  }

  it('answers the first-run page’s calls, and the server’s pages’ sign-in calls', async () => {
    const { ipc, calls } = setup();
    await ipc.invoke(CHANNELS.firstRunInfo, `${FIRST_RUN}?error=x`);
    await ipc.invoke(CHANNELS.checkServer, FIRST_RUN, ['parley.example.org']);
    await ipc.invoke(CHANNELS.useServer, FIRST_RUN, ['parley.example.org']);
    await ipc.invoke(CHANNELS.signIn, `${SERVER}/r/standup`);
    await ipc.invoke(CHANNELS.signOut, `${SERVER}/`);
    expect(calls).toEqual(['info', 'check parley.example.org', 'use parley.example.org', 'signIn', 'signOut']);
  });

  it('refuses each call from any other page, from frames, and from a frame already gone', async () => {
    const { ipc, calls } = setup();
    const refusals: Array<[string, string, unknown?]> = [
      [CHANNELS.useServer, `${SERVER}/`],
      [CHANNELS.checkServer, 'https://evil.example/'],
      [CHANNELS.signIn, FIRST_RUN],
      [CHANNELS.signIn, 'https://evil.example/'],
      [CHANNELS.signOut, 'http://parley.example.org/'],
      [CHANNELS.signIn, `${SERVER}/`, { url: 'https://evil.example/' }],
      [CHANNELS.firstRunInfo, FIRST_RUN, { url: FIRST_RUN }],
    ];
    for (const [channel, url, parent] of refusals) {
      await expect(ipc.invoke(channel, url, ['x'], parent ?? null), `${channel} from ${url}`).rejects.toThrow(/is not available to this page/);
    }
    const gone = ipc.handlers.get(CHANNELS.signIn)!;
    expect(() => gone({ senderFrame: null })).toThrow(/not available/);
    expect(calls).toEqual([]);
  });

  it('validates arguments at the boundary', async () => {
    const { ipc, calls } = setup();
    await expect(ipc.invoke(CHANNELS.checkServer, FIRST_RUN, [{ toString: () => 'x' }])).rejects.toThrow();
    await expect(ipc.invoke(CHANNELS.useServer, FIRST_RUN, ['a'.repeat(5000)])).rejects.toThrow();
    expect(calls).toEqual([]);
  });
});
