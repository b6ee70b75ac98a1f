import type { SttEngine } from '../workers/src/stt/SttEngine.js';

const CHUNK_SECONDS = 0.5;

/** Streams 16 kHz PCM through an engine as the stt worker does: 0.5 s chunks, a partial after each. */
export async function recogniseStreaming(engine: SttEngine, samples16k: Int16Array): Promise<string> {
  const stream = engine.open('en');
  const chunk = Math.round(16_000 * CHUNK_SECONDS);
  try {
    for (let start = 0; start < samples16k.length; start += chunk) {
      await stream.write(samples16k.subarray(start, start + chunk));
      await stream.partial();
    }
    return await stream.finish();
  } finally {
    stream.close();
  }
}
