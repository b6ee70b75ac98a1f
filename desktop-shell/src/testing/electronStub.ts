// Loaded with `node --import` before the bundled main process (dist/main.cjs): answers its
// require('electron') with the fakes (the Electron binary cannot run here), and reports the first
// page the app opens as one JSON line, then exits.
import Module from 'node:module';
import { FakeBrowserWindow, FakeWebContents, fakeElectron } from './FakeElectron.js';

const userData = process.env.PARLEY_STUB_USER_DATA!;
const fake = fakeElectron({ userData });
const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const load = loader._load;
loader._load = (request, ...rest) => (request === 'electron' ? fake : load(request, ...rest));

const loadURL = FakeWebContents.prototype.loadURL;
FakeWebContents.prototype.loadURL = async function (url: string) {
  await loadURL.call(this, url);
  const window = FakeBrowserWindow.created.at(-1)!;
  const report = { loaded: url, webPreferences: window.options.webPreferences, icon: window.options.icon, channels: [...fake.ipcMain.handlers.keys()], protocols: fake.app.protocolClients };
  process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
};
