const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** A fresh room name that is hard to guess and easy to read aloud (no 0/o or 1/l). */
export function randomRoomName(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let suffix = '';
  for (const byte of bytes) suffix += ALPHABET[byte % ALPHABET.length];
  return `room-${suffix}`;
}
