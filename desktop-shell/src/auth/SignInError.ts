/** Why a sign-in did not complete; `reason` for code, `message` a sentence for the person. */
export type SignInFailure = 'timeout' | 'state-mismatch' | 'denied' | 'cancelled' | 'rejected' | 'unreachable' | 'bad-reply' | 'no-server';

export class SignInError extends Error {
  override readonly name = 'SignInError';

  constructor(
    readonly reason: SignInFailure,
    message: string,
  ) {
    super(message);
  }
}
