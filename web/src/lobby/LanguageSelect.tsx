import { LANGUAGES, type LanguageCode } from '@parley/protocol';
import { ALL_LANGUAGES } from '../engines';

export interface LanguageSelectProps {
  id: string;
  testId: string;
  value: LanguageCode;
  onChange: (code: LanguageCode) => void;
  disabled?: boolean;
  /** Languages the server serves now; the others are listed after them, in a group of their own. */
  served?: readonly LanguageCode[];
  /**
   * The heading of the unserved languages' group, e.g. "Speech not recognised here". The options
   * themselves stay bare: a suffix would be cut off in the closed select, and the form says below
   * it what the chosen language lacks.
   */
  unservedLabel?: string;
  describedBy?: string;
}

export function LanguageSelect({ id, testId, value, onChange, disabled, served, unservedLabel = 'Not captioned here', describedBy }: LanguageSelectProps) {
  const option = (code: LanguageCode) => (
    <option key={code} value={code} lang={code}>
      {LANGUAGES[code]}
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
          <optgroup label={unservedLabel}>{ALL_LANGUAGES.filter((c) => !served.includes(c)).map((c) => option(c))}</optgroup>
        </>
      ) : (
        ALL_LANGUAGES.map((c) => option(c))
      )}
    </select>
  );
}
