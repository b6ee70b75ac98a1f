/** A sentence a person can act on, for why the microphone could not be opened. */
export function describeMicError(error: unknown): string {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Microphone access was blocked, so you are listening only. Allow the microphone for this site in your browser settings, then leave and rejoin to speak.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No microphone was found, so you are listening only. Connect one, then leave and rejoin to speak.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The microphone is in use by another app or could not be started, so you are listening only. Close the other app, then leave and rejoin to speak.';
    default: {
      const detail = error instanceof Error && error.message ? ` (${error.message})` : '';
      return `The microphone could not be started${detail}, so you are listening only.`;
    }
  }
}

export const INSECURE_CONTEXT_MIC_MESSAGE =
  'This page was not opened over HTTPS, so the browser does not allow the microphone; you are listening only. Open the https:// address of this server to speak.';
