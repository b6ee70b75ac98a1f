import { useMemo, useState, type CSSProperties } from 'react';
import { LANGUAGES, TRANSCRIPT_FORMATS, formatTranscript, transcriptFileName, type LanguageCode, type TranscriptFormat, type TranscriptSegment } from '@parley/protocol';
import { DownloadIcon } from '../Icons';
import { speakerHue } from '../speakerHue';
import { highlight } from './highlight';
import { exportUrl, searchKey, segmentIn } from './transcriptApi';

interface Props {
  room: string;
  segments: TranscriptSegment[];
  /** The copy shown came from this device, not the server (offline, or the server refused). */
  offline: boolean;
  savedAtMs?: number;
  /** Language shown first (the one I read in the room). */
  preferredLang?: LanguageCode;
}

const FORMATS: TranscriptFormat[] = ['srt', 'vtt', 'txt'];

/** The languages a transcript has: every speaker's own and every translation. */
function languagesOf(segments: TranscriptSegment[]): LanguageCode[] {
  const set = new Set<LanguageCode>();
  for (const s of segments) {
    set.add(s.srcLang);
    for (const lang of Object.keys(s.translations)) set.add(lang as LanguageCode);
  }
  return (Object.keys(LANGUAGES) as LanguageCode[]).filter((code) => set.has(code));
}

/** One room's transcript: language tabs, search, export per language. */
export function TranscriptView({ room, segments, offline, savedAtMs, preferredLang }: Props) {
  const languages = useMemo(() => languagesOf(segments), [segments]);
  const [lang, setLang] = useState<LanguageCode | undefined>(preferredLang && languages.includes(preferredLang) ? preferredLang : undefined);
  const [query, setQuery] = useState('');

  const shown = useMemo(() => segments.map((s) => ({ segment: s, ...segmentIn(s, lang) })), [segments, lang]);
  const needle = searchKey(query.trim());
  const matches = needle ? shown.filter((s) => searchKey(`${s.text} ${s.segment.speakerName}`).includes(needle)) : shown;
  const origin = segments[0]?.startedAtMs ?? 0;

  // Offline, the file is made here from the saved copy, in the same formats the server writes.
  function downloadLocally(format: TranscriptFormat) {
    const text = formatTranscript(format, shown.map((s) => ({ ...s.segment, text: s.text })), { room, lang });
    const url = URL.createObjectURL(new Blob([text], { type: TRANSCRIPT_FORMATS[format].mediaType }));
    const link = document.createElement('a');
    link.href = url;
    link.download = transcriptFileName(room, lang, format);
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1_000);
  }

  return (
    <section className="transcript" aria-labelledby="transcript-heading" data-testid="transcript">
      <div className="transcript-head">
        <h2 id="transcript-heading">{room}</h2>
        <p className="field-hint">
          {segments.length} {segments.length === 1 ? 'phrase' : 'phrases'}
          {segments[0] ? ` · ${new Date(origin).toLocaleString()}` : ''}
          {offline && savedAtMs ? ` · copy saved on this device ${new Date(savedAtMs).toLocaleString()}` : ''}
        </p>
      </div>

      {languages.length > 1 ? (
        <div className="lang-tabs" role="group" aria-label="Language">
          <button type="button" className="chip" aria-pressed={lang === undefined} data-testid="transcript-lang-original" onClick={() => setLang(undefined)}>
            As spoken
          </button>
          {languages.map((code) => (
            <button key={code} type="button" className="chip" lang={code} aria-pressed={lang === code} data-testid={`transcript-lang-${code}`} onClick={() => setLang(code)}>
              {LANGUAGES[code]}
            </button>
          ))}
        </div>
      ) : null}

      <div className="transcript-tools">
        <div className="field transcript-search">
          <label htmlFor="transcript-search">Search this transcript</label>
          <input id="transcript-search" type="search" data-testid="transcript-search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="A word or a name" />
        </div>
        <div className="export" role="group" aria-label={`Download in ${lang ? LANGUAGES[lang] : 'the spoken languages'}`}>
          {FORMATS.map((format) =>
            offline ? (
              <button key={format} type="button" className="button button--ghost" data-testid={`export-${format}`} onClick={() => downloadLocally(format)}>
                <DownloadIcon /> {format.toUpperCase()}
              </button>
            ) : (
              <a key={format} className="button button--ghost" data-testid={`export-${format}`} href={exportUrl(room, lang, format)} download={transcriptFileName(room, lang, format)}>
                <DownloadIcon /> {format === 'txt' ? 'Text' : format === 'vtt' ? 'WebVTT' : 'SRT'}
                <span className="visually-hidden"> ({TRANSCRIPT_FORMATS[format].label})</span>
              </a>
            ),
          )}
        </div>
      </div>
      {needle ? (
        <p className="field-hint" role="status" data-testid="search-count">
          {matches.length} of {shown.length} phrases match “{query.trim()}”.
        </p>
      ) : null}

      {segments.length === 0 ? (
        <p className="captions-empty">Nothing was kept for this room yet. Phrases appear here once they are final.</p>
      ) : (
        <ol className="transcript-list">
          {matches.map(({ segment, text, lang: textLang, missing }) => (
            <li key={segment.utteranceId} className="transcript-line" data-testid="transcript-line" style={{ '--hue': speakerHue(segment.speakerId) } as CSSProperties}>
              <span className="transcript-time">{formatElapsed(segment.startedAtMs - origin)}</span>
              <span className="caption-speaker">{highlight(segment.speakerName, query)}</span>
              <p className="transcript-text" lang={textLang} data-testid="transcript-text">
                {highlight(text, query)}
                {missing ? <span className="field-hint"> (not translated)</span> : null}
              </p>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}` : `${pad(Math.floor(s / 60))}:${pad(s % 60)}`;
}
