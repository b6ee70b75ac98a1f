/** Where the shell reports what a person or an administrator may need to know; never given secrets. */
export interface ShellLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const consoleLog: ShellLog = {
  // Electron's main process writes to the terminal it was started from (and nowhere when installed).
  info: (message) => console.warn(`[parley] ${message}`),
  warn: (message) => console.warn(`[parley] ${message}`),
  error: (message) => console.error(`[parley] ${message}`),
};
