import { useState } from 'react';
import type { User } from '@parley/protocol';
import { signIn, signOut } from './auth';

interface Props {
  user: User | null;
  /** Where to come back to after signing in. */
  returnTo: string;
}

/** Who I am, and the sign-in / sign-out button (only shown when the server has sign-in on). */
export function AccountBar({ user, returnTo }: Props) {
  const [busy, setBusy] = useState(false);
  const run = (action: () => Promise<void>) => {
    setBusy(true);
    action().catch(() => setBusy(false));
  };
  return (
    <section className="account-bar" aria-label="Account">
      {user ? (
        <>
          <p data-testid="whoami">
            Signed in as <strong>{user.name}</strong> <span className="fine-print">({user.email})</span>
          </p>
          <button type="button" className="button button--ghost" data-testid="sign-out" disabled={busy} onClick={() => run(signOut)}>
            Sign out
          </button>
        </>
      ) : (
        <>
          <p>Sign in to join rooms on this server.</p>
          <button type="button" className="button button--primary" data-testid="sign-in" disabled={busy} onClick={() => run(() => signIn(returnTo))}>
            Sign in
          </button>
        </>
      )}
    </section>
  );
}
