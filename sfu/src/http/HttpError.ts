/** An HTTP request that cannot be served; the message is a sentence the caller can act on. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
