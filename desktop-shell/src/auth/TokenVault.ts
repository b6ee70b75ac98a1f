import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { userSchema } from '@parley/protocol';
import type { SafeStorageModule } from '../electron/ElectronModules.js';

/** What the app keeps of a sign-in between runs. Access tokens are not kept: they live 10 minutes. */
export const storedSignInSchema = z.strictObject({
  serverOrigin: z.string(),
  refreshToken: z.string().min(1).max(200),
  user: userSchema,
});
export type StoredSignIn = z.infer<typeof storedSignInSchema>;

/**
 * The refresh token, encrypted with the operating system's key store (Electron's safeStorage: DPAPI
 * on Windows) in one file of the app's data folder. Where encryption is not available the token is
 * kept in memory only, for this run: it is never written in clear.
 */
export class TokenVault {
  private memory: StoredSignIn | undefined;

  constructor(
    private readonly safeStorage: SafeStorageModule,
    private readonly filePath: string,
  ) {}

  /** Returns whether the sign-in will outlive this run. */
  save(signIn: StoredSignIn): boolean {
    this.memory = storedSignInSchema.parse(signIn);
    if (!this.safeStorage.isEncryptionAvailable()) {
      rmSync(this.filePath, { force: true });
      return false;
    }
    const encrypted = this.safeStorage.encryptString(JSON.stringify(this.memory));
    // Written whole then renamed, so a crash never leaves half a file to decrypt.
    const temporary = `${this.filePath}.tmp`;
    writeFileSync(temporary, encrypted, { mode: 0o600 });
    renameSync(temporary, this.filePath);
    return true;
  }

  load(): StoredSignIn | undefined {
    if (this.memory) return this.memory;
    if (!existsSync(this.filePath) || !this.safeStorage.isEncryptionAvailable()) return undefined;
    try {
      const parsed = storedSignInSchema.safeParse(JSON.parse(this.safeStorage.decryptString(readFileSync(this.filePath))));
      if (parsed.success) return (this.memory = parsed.data);
    } catch {
      // Unreadable: written under another Windows account, or damaged. Only signing in again helps.
    }
    rmSync(this.filePath, { force: true });
    return undefined;
  }

  clear(): void {
    this.memory = undefined;
    rmSync(this.filePath, { force: true });
    rmSync(`${this.filePath}.tmp`, { force: true });
  }
}
