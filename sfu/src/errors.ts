/** A request a client made that cannot be served; `status` follows HTTP meaning. */
export class SignalingError extends Error {
  override name = 'SignalingError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}
