import { describe, expect, it } from 'vitest';
import {
  cleanText,
  escapeVtt,
  formatTimestamp,
  formatTranscript,
  toPlainText,
  toSrt,
  toWebVtt,
  transcriptCues,
  transcriptFileName,
  transcriptFormatSchema,
  wrapLines,
  type ExportSegment,
} from './transcriptFormats.js';

const T0 = Date.UTC(2026, 0, 2, 9, 30, 0);
const seg = (speakerName: string, text: string, startS: number, endS: number): ExportSegment => ({
  speakerName,
  text,
  startedAtMs: T0 + startS * 1000,
  endedAtMs: T0 + endS * 1000,
});

describe('timestamps', () => {
  it('writes hours, minutes, seconds and milliseconds with the format’s separator', () => {
    expect(formatTimestamp(0, ',')).toBe('00:00:00,000');
    expect(formatTimestamp(1_234, '.')).toBe('00:00:01.234');
    expect(formatTimestamp(3_723_004, ',')).toBe('01:02:03,004');
    expect(formatTimestamp(100 * 3_600_000, '.')).toBe('100:00:00.000');
  });

  it('rounds fractions and never goes below zero', () => {
    expect(formatTimestamp(999.6, ',')).toBe('00:00:01,000');
    expect(formatTimestamp(-50, ',')).toBe('00:00:00,000');
  });
});

describe('line wrapping', () => {
  it('keeps short text on one line, with control characters and runs of spaces made single spaces', () => {
    expect(cleanText(' a\tb\r\n\nc  d ')).toBe('a b c d');
    expect(wrapLines('hello world')).toEqual(['hello world']);
  });

  it('breaks long text at spaces into lines of at most 42 characters', () => {
    const text = 'the quick brown fox jumps over the lazy dog and then runs all the way home again before dark';
    const lines = wrapLines(text);
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(42);
    expect(lines.join(' ')).toBe(text);
  });

  it('cuts a word longer than a line, counting characters rather than UTF-16 units', () => {
    const word = '语'.repeat(50);
    expect(wrapLines(word)).toEqual(['语'.repeat(42), '语'.repeat(8)]);
    expect(wrapLines(`ab ${'x'.repeat(45)} cd`)).toEqual(['ab', 'x'.repeat(42), 'xxx cd']);
  });
});

describe('cues', () => {
  it('measures from the first segment, leaves out empty segments, and gives reversed times a short duration', () => {
    const cues = transcriptCues([seg('Ana', 'hola', 2, 4), seg('Bo', '   ', 5, 6), seg('Bo', 'qué tal', 7, 6)]);
    expect(cues).toEqual([
      { startMs: 0, endMs: 2_000, speakerName: 'Ana', lines: ['hola'], continued: false },
      { startMs: 5_000, endMs: 5_500, speakerName: 'Bo', lines: ['qué tal'], continued: false },
    ]);
  });

  it('splits a long segment into two-line cues that share its time in proportion to their length', () => {
    const words = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    const cues = transcriptCues([seg('Ana', words, 0, 12)]);
    expect(cues.length).toBeGreaterThan(1);
    expect(cues[0]!.startMs).toBe(0);
    expect(cues.at(-1)!.endMs).toBe(12_000);
    for (let i = 1; i < cues.length; i++) expect(cues[i]!.startMs).toBe(cues[i - 1]!.endMs);
    for (const cue of cues) expect(cue.lines.length).toBeLessThanOrEqual(2);
    expect(cues.map((c) => c.continued)).toEqual(cues.map((_, i) => i > 0));
    expect(cues.flatMap((c) => c.lines).join(' ')).toBe(words);
  });
});

describe('SubRip', () => {
  it('numbers cues from 1, with comma timestamps, the speaker named, and a blank line between cues', () => {
    const srt = toSrt([seg('Ana', 'Hello there.', 1.5, 3.25), seg('Bo', 'Hi!', 4, 5)], { room: 'r', originMs: T0 });
    expect(srt).toBe('1\n00:00:01,500 --> 00:00:03,250\nAna: Hello there.\n\n2\n00:00:04,000 --> 00:00:05,000\nBo: Hi!\n');
  });

  it('writes no cue at all for an empty transcript or an empty segment, so no blank line ends a cue early', () => {
    expect(toSrt([], { room: 'r' })).toBe('');
    const srt = toSrt([seg('Ana', 'one', 0, 1), seg('Ana', '', 1, 2), seg('Ana', 'two\n\nlines', 2, 3)], { room: 'r' });
    expect(srt).toBe('1\n00:00:00,000 --> 00:00:01,000\nAna: one\n\n2\n00:00:02,000 --> 00:00:03,000\nAna: two lines\n');
  });

  it('keeps markup-like text as said, but never a timing arrow inside a cue', () => {
    const srt = toSrt([seg('A<b>', 'x --> y <i>z</i> & w', 0, 1)], { room: 'r' });
    expect(srt).toContain('A<b>: x → y <i>z</i> & w');
  });

  it('names the speaker only on the first cue of a long segment', () => {
    const long = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen';
    const srt = toSrt([seg('Ana', long, 0, 10)], { room: 'r' });
    const blocks = srt.trim().split('\n\n');
    expect(blocks.length).toBe(2);
    expect(blocks[0]!.split('\n')[2]).toMatch(/^Ana: one/);
    expect(blocks[1]!.split('\n')[0]).toBe('2');
    expect(blocks[1]).not.toContain('Ana:');
  });
});

describe('WebVTT', () => {
  it('starts with the WEBVTT header and a title, uses dot timestamps and voice spans', () => {
    const vtt = toWebVtt([seg('Ana', 'Hola.', 0, 1.2)], { room: 'standup', lang: 'es' });
    expect(vtt).toBe('WEBVTT - Parley transcript: standup (Español)\n\n1\n00:00:00.000 --> 00:00:01.200\n<v Ana>Hola.\n');
  });

  it('escapes &, < and > in text and speaker names, so "-->" can never appear in a cue', () => {
    expect(escapeVtt('a < b && c > d')).toBe('a &lt; b &amp;&amp; c &gt; d');
    const vtt = toWebVtt([seg('Tom & <Jerry>', 'x --> y', 0, 1)], { room: 'r' });
    expect(vtt).toContain('<v Tom &amp; &lt;Jerry&gt;>x --&gt; y');
    expect(vtt.split('\n').filter((line) => line.includes('-->'))).toEqual(['00:00:00.000 --> 00:00:01.000']);
  });

  it('is only the header when nothing was said', () => {
    expect(toWebVtt([], { room: 'r' })).toBe('WEBVTT - Parley transcript: r\n');
  });
});

describe('plain text', () => {
  it('has a heading, then one line per segment with its time from the start', () => {
    const text = toPlainText([seg('Ana', 'Hello.', 0, 1), seg('Bo', 'Bye.', 65, 66)], { room: 'r', lang: 'en' });
    expect(text).toBe('Parley transcript: r\nLanguage: English\nStarted: 2026-01-02T09:30:00.000Z\n\n[00:00:00] Ana: Hello.\n[00:01:05] Bo: Bye.\n');
  });

  it('says so when nothing was said', () => {
    expect(toPlainText([], { room: 'r' })).toBe('Parley transcript: r\nLanguage: as spoken\nNothing was said.\n\n');
  });
});

describe('formats by name', () => {
  it('dispatches each format, names files, and refuses unknown formats', () => {
    const segments = [seg('Ana', 'Hi.', 0, 1)];
    expect(formatTranscript('srt', segments, { room: 'r' })).toBe(toSrt(segments, { room: 'r' }));
    expect(formatTranscript('vtt', segments, { room: 'r' })).toBe(toWebVtt(segments, { room: 'r' }));
    expect(formatTranscript('txt', segments, { room: 'r' })).toBe(toPlainText(segments, { room: 'r' }));
    expect(transcriptFileName('standup', 'es', 'vtt')).toBe('standup-es.vtt');
    expect(transcriptFileName('standup', undefined, 'srt')).toBe('standup-original.srt');
    expect(transcriptFormatSchema.safeParse('docx').success).toBe(false);
  });
});
