import { transcriptPageSchema, type LanguageCode, type TranscriptFormat, type TranscriptSegment } from '@parley/protocol';
import { api } from '../auth';

/** Every segment of a room's kept transcript, in speaking order, each with all its translations. */
export async function fetchWholeTranscript(room: string, maxSegments = 20_000): Promise<TranscriptSegment[]> {
  const segments: TranscriptSegment[] = [];
  let after: string | null = null;
  do {
    const query = new URLSearchParams({ limit: '500', ...(after ? { after } : {}) });
    const page = transcriptPageSchema.parse(await api(`/api/rooms/${encodeURIComponent(room)}/transcript?${query}`, { csrfToken: null }));
    segments.push(...page.segments);
    after = page.next;
  } while (after && segments.length < maxSegments);
  return segments;
}

export function exportUrl(room: string, lang: LanguageCode | undefined, format: TranscriptFormat): string {
  const query = new URLSearchParams({ format, ...(lang ? { lang } : {}) });
  return `/api/rooms/${encodeURIComponent(room)}/transcript/export?${query}`;
}

export async function deleteServerTranscript(room: string, csrfToken: string | null): Promise<number> {
  const reply = await api<{ deleted: number }>(`/api/rooms/${encodeURIComponent(room)}/transcript`, { method: 'DELETE', csrfToken });
  return reply.deleted;
}

/** A segment in one language: its translation, or its original where it was spoken in that language or not translated. */
export function segmentIn(segment: TranscriptSegment, lang: LanguageCode | undefined): { text: string; lang: LanguageCode; translated: boolean; missing: boolean } {
  if (!lang || lang === segment.srcLang) return { text: segment.text, lang: segment.srcLang, translated: false, missing: false };
  const translation = segment.translations[lang];
  if (translation !== undefined) return { text: translation, lang, translated: true, missing: false };
  return { text: segment.text, lang: segment.srcLang, translated: false, missing: true };
}

/** Lower case without accents, so "cafe" finds "Café". */
export function searchKey(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
