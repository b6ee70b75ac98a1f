// The first-run page (static/first-run.html): enter a server address, check it, use it.
// Runs sandboxed in the renderer; reaches the main process only through window.parleyDesktop.
import type { ParleyDesktopBridge } from '../bridge.js';

declare global {
  interface Window {
    parleyDesktop?: ParleyDesktopBridge;
  }
}

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`first-run page: #${id} missing`);
  return found as T;
}

export function startFirstRun(bridge: ParleyDesktopBridge): void {
  const form = element<HTMLFormElement>('server-form');
  const input = element<HTMLInputElement>('server-address');
  const status = element<HTMLParagraphElement>('status');
  const check = element<HTMLButtonElement>('check');
  const submit = element<HTMLButtonElement>('use');
  const version = element<HTMLSpanElement>('version');

  const show = (text: string, kind: 'info' | 'ok' | 'error') => {
    status.textContent = text;
    status.dataset.kind = kind;
  };
  const busy = (on: boolean) => {
    check.disabled = on;
    submit.disabled = on;
  };

  const startError = new URLSearchParams(window.location.search).get('error');
  if (startError) show(startError, 'error');
  bridge.firstRunInfo().then(
    (info) => {
      if (!input.value) input.value = info.suggestedServer;
      version.textContent = info.version;
    },
    () => undefined,
  );

  check.addEventListener('click', async () => {
    busy(true);
    show('Checking…', 'info');
    const result = await bridge.checkServer(input.value).catch(() => ({ ok: false as const, error: 'The check failed; try again.' }));
    busy(false);
    if (result.ok) show(`Parley is running at ${result.origin}.`, 'ok');
    else show(result.error, 'error');
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    busy(true);
    show('Connecting…', 'info');
    const result = await bridge.useServer(input.value).catch(() => ({ ok: false as const, error: 'Connecting failed; try again.' }));
    // On success the window is already on its way to the server.
    busy(false);
    if (!result.ok) show(result.error, 'error');
  });
}

if (window.parleyDesktop) startFirstRun(window.parleyDesktop);
