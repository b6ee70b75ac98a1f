import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApertiumEngine, cleanApertiumOutput, localiseNumbers, spanishOpeningMarks, uncapitaliseAfterUnknownOpening } from './ApertiumEngine.js';
import { MtError } from './MtEngine.js';

describe('ApertiumEngine (real apertium-apy)', () => {
  let engine: ApertiumEngine;
  beforeAll(async () => {
    engine = await ApertiumEngine.connect({ url: inject('apertiumUrl') });
  });
  afterAll(() => engine.close());

  it('translates English to Spanish', async () => {
    const spanish = await engine.translate('he was not an ill disposed young man', 'en', 'es');
    expect(spanish).toMatch(/joven/);
    expect(spanish).toBe(cleanApertiumOutput(spanish));
    expect(cleanApertiumOutput('  #muro  más ')).toBe('muro más');
  });

  it('translates sentence-cased, punctuated text better than bare lower-case words', async () => {
    // What the recogniser's clean-up gives it: "I", capitals and full stops.
    expect(await engine.translate('I think I am here.', 'en', 'es')).toBe('Pienso que soy aquí.');
    expect(await engine.translate('i think i am here', 'en', 'es')).not.toMatch(/^Pienso/);
    expect(await engine.translate('Mr. Coulter is the apostle of the middle classes.', 'en', 'es')).toBe('Señor Coulter es el apóstol de las clases medias.');
  });

  it('shows unknown words without marks and does not capitalise the word after an unknown first word', async () => {
    expect(await engine.translate('Marianne was here. Elinor was there.', 'en', 'es')).toBe('Marianne era aquí. Elinor era allí.');
    expect(await engine.translate('He said blorf is good.', 'en', 'es')).not.toMatch(/[*@#]/);
  });

  it('opens Spanish questions and exclamations with ¿ and ¡', async () => {
    expect(await engine.translate('Where are you going? I am here.', 'en', 'es')).toMatch(/^¿Dónde .*\? Soy aquí\.$/);
    expect(await engine.translate('Is it raining? What a day!', 'en', 'es')).toMatch(/^¿Es lloviendo\? ¡Qué .*día!$/);
    // Only Spanish: Catalan, like English, writes the closing mark alone.
    expect(await engine.translate('Where are you going?', 'en', 'ca')).not.toMatch(/¿/);
    expect(spanishOpeningMarks('"Eres seguro?" Dijo. (Y tú?) Vale!! Ya. ¿Dónde? ¡Sí!')).toBe('"¿Eres seguro?" Dijo. (¿Y tú?) ¡Vale!! Ya. ¿Dónde? ¡Sí!');
    expect(spanishOpeningMarks('Juan, dónde estás? Aquí')).toBe('¿Juan, dónde estás? Aquí');
    expect(spanishOpeningMarks('Sin pregunta. Nada')).toBe('Sin pregunta. Nada');
    expect(spanishOpeningMarks('?')).toBe('?');
    expect(spanishOpeningMarks('Es el Sr. Coulter aquí? Sí.')).toBe('¿Es el Sr. Coulter aquí? Sí.');
  });

  it('writes numbers as the reader\'s language does, and leaves times alone', async () => {
    expect(await engine.translate('It grew 2.5% to 1.5 million and 12,500 people by 3:30.', 'en', 'es')).toBe('Creció 2,5% a 1,5 millones y 12.500 personas por 3:30.');
    expect(await engine.translate('About 12,500 people.', 'en', 'fr')).toMatch(/12\u202f500/);
    expect(localiseNumbers('1,234,567.89 and 2500 and 0.25 at 10:45, 1.2.3 or 3,5', 'pt')).toBe('1.234.567,89 and 2500 and 0,25 at 10:45, 1.2.3 or 3,5');
    expect(localiseNumbers('12,500 and 2.5', 'en')).toBe('12,500 and 2.5');
  });

  it('lower-cases only the word after a sentence-opening run of unknown words', () => {
    expect(uncapitaliseAfterUnknownOpening('*Elinor Era allí. *Mr *Coulter Es aquí')).toBe('*Elinor era allí. *Mr *Coulter es aquí');
    expect(uncapitaliseAfterUnknownOpening('Vio *Coulter Y Londres')).toBe('Vio *Coulter Y Londres');
    expect(uncapitaliseAfterUnknownOpening('Marianne era aquí.')).toBe('Marianne era aquí.');
    expect(cleanApertiumOutput('*Elinor era @casa y #muro')).toBe('Elinor era casa y muro');
  });

  it('knows the installed pairs and routes', () => {
    expect(engine.supports('en', 'es')).toBe(true);
    expect(engine.supports('es', 'en')).toBe(true);
    expect(engine.route('en', 'en')).toEqual(['en']);
    expect(engine.route('en', 'ca')).toEqual(['en', 'ca']);
    for (const to of ['fr', 'pt', 'it'] as const) expect(engine.route('en', to)).toEqual(['en', 'es', to]);
    expect(engine.supports('en', 'nl')).toBe(false);
    expect(engine.supports('en', 'de')).toBe(false);
  });

  it('translates English into French, Portuguese and Italian through Spanish, and into Catalan directly', async () => {
    const english = 'I think the weather is good.';
    const spanish = await engine.translate(english, 'en', 'es');
    expect(spanish).toMatch(/^Pienso que el tiempo es/);
    const via = { fr: /^Je pense que le temps est/, pt: /^Penso que o tempo é/, it: /^Penso che (il|la) (tempo|meteo) è/ } as const;
    for (const [to, pattern] of Object.entries(via) as [keyof typeof via, RegExp][]) {
      const translated = await engine.translate(english, 'en', to);
      expect(translated).toMatch(pattern);
      expect(translated).toBe(await engine.translate(spanish, 'es', to));
    }
    expect(await engine.translate(english, 'en', 'ca')).toMatch(/^Penso que (el|els) temps/);
  });

  it('refuses a pair with no route, as not retryable', async () => {
    const error = await engine.translate('hello', 'en', 'nl').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MtError);
    expect((error as MtError).retryable).toBe(false);
  });

  it('passes empty text through without a request', async () => {
    expect(await engine.translate('   ', 'en', 'es')).toBe('');
  });

  it('fails with a sentence when the server is not there', async () => {
    const error = await ApertiumEngine.connect({ url: 'http://127.0.0.1:1', requestTimeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MtError);
    expect((error as Error).message).toMatch(/Cannot reach the Apertium server/);
  });
});
