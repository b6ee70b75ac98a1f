import { describe, expect, it } from 'vitest';
import { describePair, pairService, readableLanguages, recognisedLanguages } from './engines';

// As the workers publish it with pocketsphinx (English only) and Apertium (English ↔ Spanish).
const OFFLINE = { 'en>en': 'pocketsphinx', 'en>es': 'pocketsphinx+apertium', 'en>fr': 'pocketsphinx+none', 'es>es': 'none', 'es>en': 'none', 'fr>fr': 'none' };

describe('engine table', () => {
  it('says which pairs are offline, neural or mixed, with readable names', () => {
    expect(pairService(OFFLINE, 'en', 'es')).toEqual({ available: true, kind: 'offline', engines: ['pocketsphinx', 'apertium'], label: 'pocketsphinx + Apertium' });
    expect(pairService({ 'de>fr': 'whisper+marian' }, 'de', 'fr')).toMatchObject({ kind: 'neural', label: 'Whisper + Opus-MT' });
    expect(pairService({ 'de>es': 'whisper+apertium' }, 'de', 'es')).toMatchObject({ kind: 'mixed' });
  });

  it('tells missing recognition from missing translation from an unknown pair', () => {
    expect(pairService(OFFLINE, 'es', 'en')).toEqual({ available: false, reason: 'recognition' });
    expect(pairService(OFFLINE, 'en', 'fr')).toEqual({ available: false, reason: 'translation' });
    expect(pairService(OFFLINE, 'en', 'de')).toEqual({ available: false, reason: 'unknown' });
  });

  it('lists the languages speech is recognised in and captions can be read in', () => {
    expect(recognisedLanguages(OFFLINE)).toEqual(['en']);
    expect(readableLanguages(OFFLINE)).toEqual(['en', 'es']);
    expect(recognisedLanguages({})).toEqual([]);
  });

  it('describes a pair in a sentence', () => {
    expect(describePair(OFFLINE, 'en', 'es')).toBe('English → Español: offline (pocketsphinx + Apertium)');
    expect(describePair(OFFLINE, 'en', 'en')).toBe('English: offline (pocketsphinx)');
    expect(describePair(OFFLINE, 'es', 'en')).toBe('Español → English: not available — this server cannot recognise Español speech');
    expect(describePair(OFFLINE, 'en', 'fr')).toBe('English → Français: not available — this server cannot translate English into Français');
  });
});
