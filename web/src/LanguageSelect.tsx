import { LANGUAGES, type LanguageCode } from '@parley/protocol';

const CODES = Object.keys(LANGUAGES) as LanguageCode[];

interface Props {
  id: string;
  testId: string;
  value: LanguageCode;
  onChange: (code: LanguageCode) => void;
}

export function LanguageSelect({ id, testId, value, onChange }: Props) {
  return (
    <select
      id={id}
      data-testid={testId}
      value={value}
      onChange={(event) => onChange(event.target.value as LanguageCode)}
    >
      {CODES.map((code) => (
        <option key={code} value={code} lang={code}>
          {LANGUAGES[code]}
        </option>
      ))}
    </select>
  );
}
