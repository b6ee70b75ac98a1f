import { describe, expect, it } from 'vitest';
import { loadSfuConfig } from './config.js';
import { endpointingFrom } from './SpeakerFeed.js';

describe('sfu config: endpointing', () => {
  it('defaults to adaptive endpointing with a pause hint, and maps each mode to the segmenter', () => {
    const config = loadSfuConfig({});
    expect(config).toMatchObject({ ENDPOINTING: 'adaptive', ENDPOINT_MIN_SILENCE_SECONDS: 0.3, ENDPOINT_MAX_SILENCE_SECONDS: 1, ENDPOINT_LONG_PHRASE_SECONDS: 3, PAUSE_HINT_SECONDS: 0.2 });
    expect(endpointingFrom(config)).toEqual({ mode: 'adaptive', minSilenceSeconds: 0.3, maxSilenceSeconds: 1, longPhraseSeconds: 3 });
    // Today's fixed threshold is one setting.
    expect(endpointingFrom(loadSfuConfig({ ENDPOINTING: 'fixed', SILENCE_THRESHOLD_SECONDS: '0.8' }))).toEqual({ mode: 'fixed', silenceSeconds: 0.8 });
  });

  it('refuses a minimum silence above the maximum and unknown modes, naming the variable', () => {
    expect(() => loadSfuConfig({ ENDPOINT_MIN_SILENCE_SECONDS: '1.2', ENDPOINT_MAX_SILENCE_SECONDS: '1' })).toThrow(/ENDPOINT_MIN_SILENCE_SECONDS: ENDPOINT_MIN_SILENCE_SECONDS must not be above ENDPOINT_MAX_SILENCE_SECONDS/);
    expect(() => loadSfuConfig({ ENDPOINTING: 'psychic' })).toThrow(/ENDPOINTING/);
    expect(() => loadSfuConfig({ PAUSE_HINT_SECONDS: '-1' })).toThrow(/PAUSE_HINT_SECONDS/);
  });
});
