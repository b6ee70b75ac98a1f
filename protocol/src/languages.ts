import { z } from 'zod';

/** Languages a person can pick in the lobby, by ISO 639-1 code. */
export const LANGUAGES = {
  en: 'English',
  es: 'Español',
  fr: 'Français',
  de: 'Deutsch',
  it: 'Italiano',
  pt: 'Português',
  ca: 'Català',
  nl: 'Nederlands',
} as const;

export type LanguageCode = keyof typeof LANGUAGES;

export const languageCodeSchema = z.enum(Object.keys(LANGUAGES) as [LanguageCode, ...LanguageCode[]], {
  error: `language must be one of ${Object.keys(LANGUAGES).join(', ')}`,
});
