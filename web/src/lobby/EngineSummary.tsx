import { LANGUAGES, type LanguageCode, type RoomEngines } from '@parley/protocol';
import { ALL_LANGUAGES, KIND_LABEL, describePair, pairService, recognisedLanguages } from '../engines';

interface Props {
  id: string;
  engines: RoomEngines | null;
  speaks: LanguageCode;
  reads: LanguageCode;
}

/** Whether my chosen pair is captioned, by which engines, and (folded away) every pair the server serves. */
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
  const mine = pairService(engines, speaks, reads);
  const pairs = spoken.flatMap((from) => ALL_LANGUAGES.map((to) => ({ from, to, service: pairService(engines, from, to) }))).filter((p) => p.service.available);
  return (
    <div className="engine-summary" data-testid="engine-summary">
      <p id={id} className={`pair-line${mine.available ? '' : ' pair-line--missing'}`} data-testid="pair-engine">
        {describePair(engines, speaks, reads)}
      </p>
      <details className="pairs">
        <summary>What this server can caption</summary>
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
        <p className="field-hint">Neural engines are more accurate and need downloaded models; offline engines work on any machine.</p>
      </details>
    </div>
  );
}
