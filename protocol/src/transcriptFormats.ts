import { z } from 'zod';
import { LANGUAGES, type LanguageCode } from './languages.js';
import type { TranscriptSegment } from './accounts.js';

/**
 * A kept transcript as subtitle files (SubRip, WebVTT) and plain text. Pure functions, so the
 * server's export routes, the web app (a copy saved on the device) and scripts all write the same.
 */

export const transcriptFormatSchema = z.enum(['srt', 'vtt', 'txt'], { error: 'format must be one of srt, vtt, txt' });
export type TranscriptFormat = z.infer<typeof transcriptFormatSchema>;

export const TRANSCRIPT_FORMATS: Record<TranscriptFormat, { mediaType: string; extension: string; label: string }> = {
  srt: { mediaType: 'application/x-subrip; charset=utf-8', extension: 'srt', label: 'SRT subtitles' },
  vtt: { mediaType: 'text/vtt; charset=utf-8', extension: 'vtt', label: 'WebVTT subtitles' },
  txt: { mediaType: 'text/plain; charset=utf-8', extension: 'txt', label: 'Plain text' },
};

/** Subtitle guidelines (BBC, Netflix) keep a line to about 42 characters and a cue to two lines. */
export const MAX_LINE_CHARS = 42;
export const MAX_CUE_LINES = 2;

export type ExportSegment = Pick<TranscriptSegment, 'speakerName' | 'text' | 'startedAtMs' | 'endedAtMs'>;

export interface ExportOptions {
  room: string;
  /** The language of the segments' text (undefined: each speaker's own language). */
  lang?: LanguageCode;
  /** Times are measured from here; default: the first segment's start. */
  originMs?: number;
}

export interface Cue {
  startMs: number;
  endMs: number;
  speakerName: string;
  lines: string[];
  /** A later part of a segment split for length (the speaker is named on its first part). */
  continued: boolean;
}

/** A cue's shortest time on screen, where a segment's own times are missing or reversed. */
const MIN_CUE_MS = 500;

/** Text on one line: no line breaks, no control characters, single spaces. */
export function cleanText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Lines of at most `max` characters, broken at spaces; a longer word is cut. */
export function wrapLines(text: string, max = MAX_LINE_CHARS): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of cleanText(text).split(' ')) {
    if (!word) continue;
    let rest = word;
    while (Array.from(rest).length > max) {
      if (line) {
        lines.push(line);
        line = '';
      }
      const chars = Array.from(rest);
      lines.push(chars.slice(0, max).join(''));
      rest = chars.slice(max).join('');
    }
    if (!rest) continue;
    if (!line) line = rest;
    else if (Array.from(line).length + 1 + Array.from(rest).length <= max) line += ` ${rest}`;
    else {
      lines.push(line);
      line = rest;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * The cues of a transcript: segments in speaking order, empty ones left out, a long one split into
 * cues of at most two lines that share its time in proportion to their length.
 */
export function transcriptCues(segments: readonly ExportSegment[], originMs?: number): Cue[] {
  const spoken = segments.filter((s) => cleanText(s.text) !== '');
  const origin = originMs ?? earliestStart(spoken);
  const cues: Cue[] = [];
  for (const segment of spoken) {
    const startMs = Math.max(0, segment.startedAtMs - origin);
    const endMs = Math.max(startMs + MIN_CUE_MS, segment.endedAtMs - origin);
    const lines = wrapLines(segment.text);
    const groups: string[][] = [];
    for (let i = 0; i < lines.length; i += MAX_CUE_LINES) groups.push(lines.slice(i, i + MAX_CUE_LINES));
    const total = lines.reduce((n, l) => n + Array.from(l).length, 0);
    let before = 0;
    for (const [index, group] of groups.entries()) {
      const chars = group.reduce((n, l) => n + Array.from(l).length, 0);
      const cueStart = startMs + Math.round(((endMs - startMs) * before) / total);
      before += chars;
      const cueEnd = startMs + Math.round(((endMs - startMs) * before) / total);
      cues.push({ startMs: cueStart, endMs: cueEnd, speakerName: cleanText(segment.speakerName), lines: group, continued: index > 0 });
    }
  }
  return cues;
}

function earliestStart(segments: readonly ExportSegment[]): number {
  return segments.reduce((min, s) => Math.min(min, s.startedAtMs), Number.POSITIVE_INFINITY);
}

/** "01:02:03,456" (SubRip) or "01:02:03.456" (WebVTT). */
export function formatTimestamp(ms: number, separator: ',' | '.'): string {
  const total = Math.max(0, Math.round(ms));
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = Math.floor((total % 60_000) / 1000);
  return `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}${separator}${pad(total % 1000, 3)}`;
}

/** SubRip has no escapes: a line is kept as said, except an arrow that would read as a timing line. */
function srtLine(line: string): string {
  return line.replace(/-->/g, '→');
}

/** WebVTT cue text is HTML-like: &, < and > are written as character references. */
export function escapeVtt(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function toSrt(segments: readonly ExportSegment[], options: ExportOptions): string {
  const cues = transcriptCues(segments, options.originMs);
  return cues
    .map((cue, i) => {
      const [first = '', ...rest] = cue.lines.map(srtLine);
      const text = [cue.continued ? first : `${srtLine(cue.speakerName)}: ${first}`, ...rest].join('\n');
      return `${i + 1}\n${formatTimestamp(cue.startMs, ',')} --> ${formatTimestamp(cue.endMs, ',')}\n${text}\n`;
    })
    .join('\n');
}

export function toWebVtt(segments: readonly ExportSegment[], options: ExportOptions): string {
  const title = `Parley transcript: ${options.room}${options.lang ? ` (${LANGUAGES[options.lang]})` : ''}`;
  const cues = transcriptCues(segments, options.originMs).map((cue, i) => {
    // The voice span names the speaker, which players can show or style.
    const voice = `<v ${escapeVtt(cue.speakerName)}>`;
    const text = cue.lines.map((line, n) => (n === 0 ? voice : '') + escapeVtt(line)).join('\n');
    return `${i + 1}\n${formatTimestamp(cue.startMs, '.')} --> ${formatTimestamp(cue.endMs, '.')}\n${text}\n`;
  });
  return [`WEBVTT - ${cleanText(title).replace(/-->/g, '→')}\n`, ...cues].join('\n');
}

/** One line per segment: "[00:01:02] Name: text", under a heading with the room and language. */
export function toPlainText(segments: readonly ExportSegment[], options: ExportOptions): string {
  const spoken = segments.filter((s) => cleanText(s.text) !== '');
  const origin = options.originMs ?? earliestStart(spoken);
  const heading = [
    `Parley transcript: ${options.room}`,
    options.lang ? `Language: ${LANGUAGES[options.lang]}` : 'Language: as spoken',
    spoken.length ? `Started: ${new Date(origin).toISOString()}` : 'Nothing was said.',
  ];
  const lines = spoken.map((s) => `[${formatTimestamp(s.startedAtMs - origin, '.').slice(0, 8)}] ${cleanText(s.speakerName)}: ${cleanText(s.text)}`);
  return `${[...heading, '', ...lines].join('\n')}\n`;
}

export function formatTranscript(format: TranscriptFormat, segments: readonly ExportSegment[], options: ExportOptions): string {
  switch (format) {
    case 'srt':
      return toSrt(segments, options);
    case 'vtt':
      return toWebVtt(segments, options);
    case 'txt':
      return toPlainText(segments, options);
  }
}

/** "team-standup-es.srt": the room, the language (or "original") and the format's extension. */
export function transcriptFileName(room: string, lang: LanguageCode | undefined, format: TranscriptFormat): string {
  return `${room}-${lang ?? 'original'}.${TRANSCRIPT_FORMATS[format].extension}`;
}
