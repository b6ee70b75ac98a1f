/** A stable hue per participant, so the same speaker keeps the same colour in captions and the list. */
export function speakerHue(id: string): number {
  // FNV-1a, then a final mix: ids often share long prefixes and differ only at the end.
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x45d9f3b);
  hash ^= hash >>> 16;
  return (hash >>> 0) % 360;
}
