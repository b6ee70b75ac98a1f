import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  changeServer(): void;
  signIn(): void;
  signOut(): void;
  reload(): void;
  quit(): void;
}

/** The menu bar: what the web app cannot offer (server choice, the app's sign-in), plus editing keys. */
export function appMenuTemplate(actions: MenuActions): MenuItemConstructorOptions[] {
  return [
    {
      label: '&Parley',
      submenu: [
        { label: 'Change server…', click: () => actions.changeServer() },
        { type: 'separator' },
        { label: 'Sign in', click: () => actions.signIn() },
        { label: 'Sign out', click: () => actions.signOut() },
        { type: 'separator' },
        { label: 'Reload', accelerator: 'CmdOrCtrl+R', click: () => actions.reload() },
        { label: 'Quit', accelerator: 'CmdOrCtrl+Q', click: () => actions.quit() },
      ],
    },
    { role: 'editMenu' },
    { role: 'windowMenu' },
  ];
}
