import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']).transform((v) => ['true', '1', 'yes', 'on'].includes(v));

/** Every setting of the desktop app, with its default; names match infra/env.example ("desktop app"). */
export const shellConfigSchema = z.object({
  /** Pre-fills the first-run screen (a managed install can point everyone at one server). */
  PARLEY_SERVER_URL: z.url().optional(),
  /** Risky, so off unless turned on: the app checks for, downloads and installs new versions. */
  PARLEY_AUTO_UPDATE: bool.default(false),
  /** A generic update feed (where latest.yml and the installer are); unset: the feed built into the app. */
  PARLEY_UPDATE_FEED_URL: z.url().optional(),
  /** How long the app waits for the browser to come back from sign-in. */
  PARLEY_SIGN_IN_TIMEOUT_SECONDS: z.coerce.number().min(1).max(3_600).default(300),
});

export type ShellConfig = z.infer<typeof shellConfigSchema>;

export class ShellConfigError extends Error {
  override readonly name = 'ShellConfigError';
}

/** Validates the environment once at start; a bad value stops the app with the variable's name. */
export function loadShellConfig(env: NodeJS.ProcessEnv = process.env): ShellConfig {
  const parsed = shellConfigSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ShellConfigError(`Setting ${String(issue.path[0] ?? '?')} is not valid: ${issue.message}. Fix or unset it and start Parley again.`);
  }
  const config = parsed.data;
  if (config.PARLEY_UPDATE_FEED_URL && !config.PARLEY_UPDATE_FEED_URL.startsWith('https://')) {
    throw new ShellConfigError('Setting PARLEY_UPDATE_FEED_URL must be an https:// address: updates are programs this computer will run.');
  }
  return config;
}
