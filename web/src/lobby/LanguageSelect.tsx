import { LANGUAGES, type LanguageCode } from '@parley/protocol';
import { ALL_LANGUAGES } from '../engines';

interface Props {
  id: string;
  testId: string;
  value: LanguageCode;
  onChange: (code: LanguageCode) => void;
  disabled?: boolean;
  /** Languages the server serves now; the others are listed after them, marked as without captions. */
  served?: readonly LanguageCode[];
  /** What an unserved language lacks, e.g. "no speech recognition here". */
  unservedNote?: string;
  describedBy?: string;
}

export function LanguageSelect({ id, testId, value, onChange, disabled, served, unservedNote = 'no captions here', describedBy }: Props) {
  const option = (code: LanguageCode, note?: string) => (
    <option key={code} value={code} lang={code}>
      {LANGUAGES[code]}
      {note ? ` — ${note}` : ''}
    </option>
  );
  const known = served && served.length > 0;
  return (
    <select
      id={id}
      data-testid={testId}
      value={value}
      disabled={disabled}
      aria-describedby={describedBy}
      onChange={(event) => onChange(event.target.value as LanguageCode)}
    >
      {known ? (
        <>
          <optgroup label="Captioned on this server">{ALL_LANGUAGES.filter((c) => served.includes(c)).map((c) => option(c))}</optgroup>
          <optgroup label="Not captioned here">{ALL_LANGUAGES.filter((c) => !served.includes(c)).map((c) => option(c, unservedNote))}</optgroup>
        </>
      ) : (
        ALL_LANGUAGES.map((c) => option(c))
      )}
    </select>
  );
}
