import { describe, expect, it } from 'vitest';
import { LANGUAGES, type LanguageCode } from '@parley/protocol';
import { ModelNotFoundError } from '../models/localModels.js';
import { MtError } from './MtEngine.js';
import { NLLB_CODES } from './engines/nllb.js';
import { NllbEngine, nllbCode } from './NllbEngine.js';

describe('NLLB language codes', () => {
  it('names every language of the product by its FLORES-200 code', () => {
    expect(Object.keys(NLLB_CODES).sort()).toEqual(Object.keys(LANGUAGES).sort());
    expect(nllbCode('en')).toBe('eng_Latn');
    expect(nllbCode('es')).toBe('spa_Latn');
    expect(nllbCode('fr')).toBe('fra_Latn');
    expect(nllbCode('de')).toBe('deu_Latn');
    expect(nllbCode('it')).toBe('ita_Latn');
    expect(nllbCode('pt')).toBe('por_Latn');
    expect(nllbCode('ca')).toBe('cat_Latn');
    expect(nllbCode('nl')).toBe('nld_Latn');
  });

  it('refuses a language it has no code for', () => {
    expect(() => nllbCode('xx' as LanguageCode)).toThrow(MtError);
  });
});

describe('NllbEngine without weights', () => {
  it('fails at start with a sentence naming the pull command', async () => {
    const missing = NllbEngine.create({ modelDir: '/nonexistent/nllb-200-distilled-600M' });
    await expect(missing).rejects.toBeInstanceOf(ModelNotFoundError);
    await expect(missing).rejects.toThrow(/NLLB weights are not in \/nonexistent\/nllb-200-distilled-600M\. Run `npm run models -- pull nllb-200-distilled-600M`/);
  });
});
