// Runs in the sandboxed renderer before any page script; only `contextBridge` and `ipcRenderer`
// are available here, and the page gets these few functions, never ipcRenderer itself.
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_GLOBAL, CHANNELS, type ParleyDesktopBridge } from './bridge.js';

const bridge: ParleyDesktopBridge = {
  isDesktop: true,
  firstRunInfo: () => ipcRenderer.invoke(CHANNELS.firstRunInfo),
  checkServer: (address) => ipcRenderer.invoke(CHANNELS.checkServer, String(address)),
  useServer: (address) => ipcRenderer.invoke(CHANNELS.useServer, String(address)),
  signIn: () => ipcRenderer.invoke(CHANNELS.signIn),
  signOut: () => ipcRenderer.invoke(CHANNELS.signOut),
};

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, bridge);
