import { describe, expect, it } from 'vitest';
import { collapseRepetitions, filterTranscript, isKnownHallucination, isLikelyNoSpeech, normalizeForMatch } from './hallucinationFilter.js';

describe('normalizeForMatch', () => {
  it('drops case, punctuation and extra spaces', () => {
    expect(normalizeForMatch('  Thanks for   watching! ')).toBe('thanks for watching');
    expect(normalizeForMatch('¿Qué tal?')).toBe('qué tal');
    expect(normalizeForMatch('Продолжение следует...')).toBe('продолжение следует');
  });
});

describe('isLikelyNoSpeech', () => {
  it('needs both a high no-speech probability and a low average log-probability', () => {
    expect(isLikelyNoSpeech({ noSpeechProb: 0.9, avgLogprob: -1.5 })).toBe(true);
    expect(isLikelyNoSpeech({ noSpeechProb: 0.9, avgLogprob: -0.2 })).toBe(false);
    expect(isLikelyNoSpeech({ noSpeechProb: 0.3, avgLogprob: -2 })).toBe(false);
  });

  it('uses the no-speech probability alone when there is no log-probability', () => {
    expect(isLikelyNoSpeech({ noSpeechProb: 0.7 })).toBe(true);
  });

  it('says nothing when the decoder gave no signals', () => {
    expect(isLikelyNoSpeech({})).toBe(false);
  });

  it('takes custom thresholds', () => {
    expect(isLikelyNoSpeech({ noSpeechProb: 0.5, avgLogprob: -0.5 }, { noSpeechThreshold: 0.4, logprobThreshold: 0 })).toBe(true);
  });
});

describe('collapseRepetitions', () => {
  it('keeps one copy of a word repeated four or more times', () => {
    expect(collapseRepetitions('Equ Equ Equ Equ Equ Equ')).toBe('Equ');
    expect(collapseRepetitions('so no no no no no.')).toBe('so no.');
  });

  it('keeps one copy of a repeated phrase', () => {
    expect(collapseRepetitions('I think I think I think I think so')).toBe('I think so');
    expect(collapseRepetitions('thank you. Thank you. thank you, thank you!')).toBe('thank you!');
  });

  it('leaves three repeats and ordinary text alone', () => {
    expect(collapseRepetitions('no no no')).toBe('no no no');
    expect(collapseRepetitions('the cat sat on the mat')).toBe('the cat sat on the mat');
    expect(collapseRepetitions('')).toBe('');
  });

  it('takes a custom repeat count', () => {
    expect(collapseRepetitions('go go go', { maxRepeats: 3 })).toBe('go');
  });
});

describe('isKnownHallucination', () => {
  it.each([
    'Thank you.',
    'Thanks for watching!',
    ' you',
    'Subtitles by the Amara.org community',
    'Subtítulos realizados por la comunidad de Amara.org',
    'Sous-titres réalisés par la communauté d’Amara.org',
    'Untertitel im Auftrag des ZDF, 2021',
    'Продолжение следует...',
    '[Music]',
    '(applause)',
    '♪ ♪',
    '...',
    '[BLANK_AUDIO]',
  ])('drops %j as the whole text', (text) => {
    expect(isKnownHallucination(text)).toBe(true);
  });

  it.each(['Thank you for coming to the meeting.', 'You are right.', 'Where is the station?', 'Merci pour le café.'])(
    'keeps %j',
    (text) => {
      expect(isKnownHallucination(text)).toBe(false);
    },
  );
});

describe('filterTranscript', () => {
  it('returns nothing for silence, by signal or by text', () => {
    expect(filterTranscript('Hello there', { noSpeechProb: 0.95, avgLogprob: -2 })).toBe('');
    expect(filterTranscript(' Thank you. Thank you. Thank you. Thank you.')).toBe('');
  });

  it('returns ordinary text unchanged apart from spacing', () => {
    expect(filterTranscript(' Where is the station?', { noSpeechProb: 0.01, avgLogprob: -0.3 })).toBe('Where is the station?');
  });
});
