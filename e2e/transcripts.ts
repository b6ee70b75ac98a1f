import { Redis } from 'ioredis';
import type { Page } from '@playwright/test';
import type { LanguageCode, TranscriptPage, TranscriptSegment } from '@parley/protocol';
import { REDIS_KEYS, transcriptEntryFields, type TranscriptEntry } from '@parley/protocol/streams';

/** A subtitle cue as read back from a file. */
export interface ParsedCue {
  index: number;
  startMs: number;
  endMs: number;
  text: string;
}

function timestampMs(stamp: string): number {
  const match = /^(\d+):(\d{2}):(\d{2})[,.](\d{3})$/.exec(stamp.trim());
  if (!match) throw new Error(`not a subtitle timestamp: ${stamp}`);
  const [, h, m, s, ms] = match.map(Number) as [number, number, number, number, number];
  return ((h * 60 + m) * 60 + s) * 1000 + ms;
}

/** SubRip: numbered blocks separated by blank lines, "start --> end", then the text lines. */
export function parseSrt(text: string): ParsedCue[] {
  return text
    .trim()
    .split(/\n\n+/)
    .filter(Boolean)
    .map((block) => {
      const [index, timing, ...lines] = block.split('\n');
      const [start, end] = timing!.split(' --> ');
      return { index: Number(index), startMs: timestampMs(start!), endMs: timestampMs(end!), text: lines.join('\n') };
    });
}

/** WebVTT: the WEBVTT header block, then cues like SubRip's with dot timestamps; entities and voice spans undone. */
export function parseVtt(text: string): { header: string; cues: ParsedCue[] } {
  const [header, ...blocks] = text.trim().split(/\n\n+/);
  const cues = blocks.map((block) => {
    const [index, timing, ...lines] = block.split('\n');
    const [start, end] = timing!.split(' --> ');
    const body = lines
      .join('\n')
      .replace(/<v [^>]*>/g, '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
    return { index: Number(index), startMs: timestampMs(start!), endMs: timestampMs(end!), text: body };
  });
  return { header: header!, cues };
}

/** The kept transcript through the HTTP API, every page, as the page itself would read it. */
export async function storedTranscript(page: Page, room: string, lang?: LanguageCode): Promise<TranscriptSegment[]> {
  return page.evaluate(
    async ({ room, lang }) => {
      const segments: TranscriptSegment[] = [];
      let after: string | null = null;
      do {
        const query = new URLSearchParams({ limit: '500', ...(lang ? { lang } : {}), ...(after ? { after } : {}) });
        const body = (await (await fetch(`/api/rooms/${room}/transcript?${query}`)).json()) as TranscriptPage;
        segments.push(...body.segments);
        after = body.next;
      } while (after);
      return segments;
    },
    { room, lang },
  );
}

/**
 * Finals written to the durable transcript stream, as the mt worker writes them: the transcript
 * writer process stores them. For pages that need a kept transcript without minutes of speech.
 */
export async function writeTranscriptEntries(redisUrl: string, entries: TranscriptEntry[]): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    for (const entry of entries) await redis.xadd(REDIS_KEYS.transcript, '*', ...transcriptEntryFields(entry));
  } finally {
    redis.disconnect();
  }
}

/** A small conversation in English with its Spanish translations. */
export function sampleConversation(room: string, startMs = Date.now() - 60_000): TranscriptEntry[] {
  const lines: [string, string, string, string][] = [
    ['ana', 'Ana', 'good morning everyone', 'buenos días a todos'],
    ['ben', 'Ben', 'shall we start with the budget', 'empezamos con el presupuesto'],
    ['ana', 'Ana', 'yes the numbers look <better> & clearer now', 'sí los números se ven <mejor> & más claros ahora'],
  ];
  return lines.map(([speakerId, speakerName, text, es], i) => ({
    utteranceId: `${room}-${i}`,
    room,
    speakerId,
    speakerName,
    seq: 1,
    srcLang: 'en',
    text,
    translations: { es },
    sttEngine: 'pocketsphinx',
    mtEngines: { es: 'apertium' },
    startedAtMs: startMs + i * 4_000,
    audioEndAtMs: startMs + i * 4_000 + 2_500,
  }));
}
