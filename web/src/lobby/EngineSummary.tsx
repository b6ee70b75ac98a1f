import { LANGUAGES, type LanguageCode, type RoomEngines } from '@parley/protocol';
import { ALL_LANGUAGES, KIND_LABEL, pairService, recognisedLanguages } from '../engines';

interface Props {
  id: string;
  engines: RoomEngines | null;
  speaks: LanguageCode;
  reads: LanguageCode;
}

/**
 * What the server can do for my choices right now: which spoken languages reach me as captions in
 * the language I read (and by which engines, neural or offline), and whether my own speech is
 * recognised. Every pair it serves is listed, folded away.
 */
export function EngineSummary({ id, engines, speaks, reads }: Props) {
  if (!engines) return null;
  const spoken = recognisedLanguages(engines);
  if (spoken.length === 0) {
    return (
      <p id={id} className="notice notice--warn" role="status" data-testid="engine-summary">
        The server’s speech engines are not running right now, so there may be no captions. You can still join and hear everyone.
      </p>
    );
  }
  const sources = spoken.map((from) => ({ from, service: pairService(engines, from, reads) })).filter((s) => s.service.available);
  const own = pairService(engines, speaks, speaks);
  const pairs = spoken.flatMap((from) => ALL_LANGUAGES.map((to) => ({ from, to, service: pairService(engines, from, to) })));
  return (
    <div className="engine-summary" data-testid="engine-summary">
      <p id={id} className={`pair-line${sources.length ? '' : ' pair-line--missing'}`} data-testid="pair-engine">
        {sources.length
          ? `Captions in ${LANGUAGES[reads]} from ${sources
              .map(({ from, service }) => (service.available ? `${LANGUAGES[from]} (${KIND_LABEL[service.kind]}: ${service.label})` : ''))
              .join(', ')}.`
          : `This server cannot caption anything in ${LANGUAGES[reads]} yet: choose another language to read.`}
      </p>
      <p className={`pair-line${own.available ? '' : ' pair-line--missing'}`} data-testid="speech-engine">
        {own.available
          ? `Your ${LANGUAGES[speaks]} speech is recognised (${KIND_LABEL[own.kind]}: ${own.label}).`
          : `This server cannot recognise ${LANGUAGES[speaks]} speech: others will hear you, but get no captions of you.`}
      </p>
      <details className="pairs">
        <summary>Every language pair this server captions</summary>
        <table>
          <caption className="visually-hidden">Language pairs and their engines</caption>
          <thead>
            <tr>
              <th scope="col">Speech in</th>
              <th scope="col">Captions in</th>
              <th scope="col">Engines</th>
            </tr>
          </thead>
          <tbody>
            {pairs.map(({ from, to, service }) =>
              service.available ? (
                <tr key={`${from}>${to}`} data-testid="pair-row">
                  <td>{LANGUAGES[from]}</td>
                  <td>{LANGUAGES[to]}</td>
                  <td>
                    <span className={`badge badge--${service.kind}`}>{KIND_LABEL[service.kind]}</span> {service.label}
                  </td>
                </tr>
              ) : null,
            )}
          </tbody>
        </table>
        <p className="field-hint">Neural engines are more accurate and need downloaded models; offline ones work on any machine.</p>
      </details>
    </div>
  );
}
