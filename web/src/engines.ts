import { LANGUAGES, type LanguageCode, type RoomEngines } from '@parley/protocol';

/** Neural engines need downloaded weights; offline ones ship with the system. Names as the workers publish them. */
const ENGINES: Record<string, { label: string; neural: boolean }> = {
  whisper: { label: 'Whisper', neural: true },
  marian: { label: 'Opus-MT', neural: true },
  nllb: { label: 'NLLB-200', neural: true },
  pocketsphinx: { label: 'pocketsphinx', neural: false },
  apertium: { label: 'Apertium', neural: false },
};

export const ALL_LANGUAGES = Object.keys(LANGUAGES) as LanguageCode[];

export type PairKind = 'neural' | 'offline' | 'mixed';

export type PairService =
  | { available: true; kind: PairKind; engines: string[]; label: string }
  | { available: false; reason: 'recognition' | 'translation' | 'unknown' };

/** How the server captions speech in `from` for readers of `to`, from the published engine table. */
export function pairService(engines: RoomEngines, from: LanguageCode, to: LanguageCode): PairService {
  const value = engines[`${from}>${to}`];
  if (value === undefined) return { available: false, reason: 'unknown' };
  if (value === 'none') return { available: false, reason: 'recognition' };
  const names = value.split('+');
  if (names.includes('none')) return { available: false, reason: 'translation' };
  const neural = names.map((n) => ENGINES[n]?.neural ?? false);
  const kind: PairKind = neural.every(Boolean) ? 'neural' : neural.some(Boolean) ? 'mixed' : 'offline';
  return { available: true, kind, engines: names, label: names.map((n) => ENGINES[n]?.label ?? n).join(' + ') };
}

/** Languages the server recognises speech in (a microphone in any other makes no captions). */
export function recognisedLanguages(engines: RoomEngines): LanguageCode[] {
  return ALL_LANGUAGES.filter((code) => pairService(engines, code, code).available);
}

/** Languages captions can be read in: those some recognised language is translated into. */
export function readableLanguages(engines: RoomEngines): LanguageCode[] {
  const spoken = recognisedLanguages(engines);
  return ALL_LANGUAGES.filter((to) => spoken.some((from) => pairService(engines, from, to).available));
}

export const KIND_LABEL: Record<PairKind, string> = {
  neural: 'neural',
  offline: 'offline',
  mixed: 'neural + offline',
};

/** "English → Español: offline (pocketsphinx + Apertium)", or why it cannot be captioned. */
export function describePair(engines: RoomEngines, from: LanguageCode, to: LanguageCode): string {
  const service = pairService(engines, from, to);
  const pair = from === to ? LANGUAGES[from] : `${LANGUAGES[from]} → ${LANGUAGES[to]}`;
  if (service.available) return `${pair}: ${KIND_LABEL[service.kind]} (${service.label})`;
  switch (service.reason) {
    case 'recognition':
      return `${pair}: not available — this server cannot recognise ${LANGUAGES[from]} speech`;
    case 'translation':
      return `${pair}: not available — this server cannot translate ${LANGUAGES[from]} into ${LANGUAGES[to]}`;
    case 'unknown':
      return `${pair}: not known yet`;
  }
}
