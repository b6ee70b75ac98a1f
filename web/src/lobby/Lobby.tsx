import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { LIMITS, enginesReplySchema, joinRequestSchema, type JoinRequest, type LanguageCode, type RoomEngines } from '@parley/protocol';
import { readableLanguages, recognisedLanguages } from '../engines';
import { HeadphonesIcon, HistoryIcon, MicIcon, SettingsIcon } from '../Icons';
import { normalizeRoomInput } from '../roomUrl';
import { SettingsDialog } from '../settings/SettingsDialog';
import { EngineSummary } from './EngineSummary';
import { LanguageSelect, type LanguageSelectProps } from './LanguageSelect';
import { MicCheck } from './MicCheck';
import { MyRooms } from './MyRooms';
import { randomRoomName } from './randomRoom';

export interface LobbyValues {
  name: string;
  room: string;
  speaks: LanguageCode;
  reads: LanguageCode;
}

type Field = keyof LobbyValues;
type FieldErrors = Partial<Record<Field, string>>;

const FIELDS: readonly Field[] = ['name', 'room', 'speaks', 'reads'];
const isField = (key: unknown): key is Field => FIELDS.includes(key as Field);
const inputId = (field: Field) => `lobby-${field}`;
const errorId = (field: Field) => `lobby-${field}-error`;

interface Props {
  initial: LobbyValues;
  initialMicDeviceId?: string;
  /** Why the server turned the last join down, if it did. */
  serverError: string | null;
  /** The server cannot be reached (offline, or it is down). */
  unreachable?: boolean;
  onJoin: (request: JoinRequest, withMic: boolean, micDeviceId: string) => void;
  /** Account and invite notices, above the form. */
  account?: ReactNode;
  /** Below the form (creating a room). */
  extra?: ReactNode;
  /** False while sign-in is needed first: no form is shown. */
  canJoin?: boolean;
  /** The engine table is readable (with sign-in on, only once signed in). */
  canReadEngines?: boolean;
  onOpenHistory?: () => void;
  /** Signed in: my rooms on the server, to pick one. */
  myRooms?: { csrfToken: string | null; onChoose: (room: string) => void };
}

/** How often the lobby asks again which language pairs the server serves (workers come and go). */
const ENGINES_REFRESH_MS = 30_000;

export function Lobby({ initial, initialMicDeviceId = '', serverError, unreachable = false, onJoin, account, extra, canJoin = true, canReadEngines = true, onOpenHistory, myRooms }: Props) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [micDeviceId, setMicDeviceId] = useState(initialMicDeviceId);
  const [engines, setEngines] = useState<RoomEngines | null>(null);
  const [settingsOpen, setSettingsOpen] = useState(false);

  useEffect(() => {
    if (!canReadEngines || unreachable) return;
    let stopped = false;
    const load = () =>
      fetch('/api/engines', { credentials: 'same-origin', cache: 'no-store' })
        .then((r) => r.json())
        .then((body: unknown) => {
          const parsed = enginesReplySchema.safeParse(body);
          if (parsed.success && !stopped) setEngines(parsed.data.engines);
        })
        .catch(() => undefined);
    void load();
    const timer = setInterval(() => void load(), ENGINES_REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [canReadEngines, unreachable]);

  // A room chosen outside the form (just created, or from an accepted invite) replaces what was typed;
  // the signed-in user's name fills an empty name field.
  useEffect(() => setValues((v) => (v.room === initial.room ? v : { ...v, room: initial.room })), [initial.room]);
  useEffect(() => setValues((v) => (v.name || !initial.name ? v : { ...v, name: initial.name })), [initial.name]);

  function set<K extends Field>(field: K, value: LobbyValues[K]) {
    setValues((current) => ({ ...current, [field]: value }));
    setErrors((current) => (current[field] ? { ...current, [field]: undefined } : current));
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // Enter in a text field submits without a submitter; that means the primary action.
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    const withMic = submitter?.dataset.mode !== 'listen';
    const room = normalizeRoomInput(values.room);
    if (room !== values.room) set('room', room);

    const result = joinRequestSchema.safeParse({ ...values, room });
    if (result.success) {
      setErrors({});
      setFormError(null);
      onJoin(result.data, withMic, micDeviceId);
      return;
    }
    const next: FieldErrors = {};
    let other: string | null = null;
    for (const issue of result.error.issues) {
      const field = issue.path[0];
      if (isField(field)) next[field] ??= issue.message;
      else other ??= issue.message;
    }
    setErrors(next);
    setFormError(other);
    const first = FIELDS.find((field) => next[field]);
    if (first) document.getElementById(inputId(first))?.focus();
  }

  const describedBy = (field: Field, hint?: string) =>
    [hint, errors[field] ? errorId(field) : undefined].filter(Boolean).join(' ') || undefined;

  const fieldError = (field: Field) =>
    errors[field] ? (
      <p id={errorId(field)} className="field-error">
        {errors[field]}
      </p>
    ) : null;

  /** A language select with its label and error; `hint` is the id of text that describes it. */
  const languageField = (field: 'speaks' | 'reads', label: string, select: Pick<LanguageSelectProps, 'served' | 'unservedLabel'> & { hint?: string }) => (
    <div className="field">
      <label htmlFor={inputId(field)}>{label}</label>
      <LanguageSelect
        id={inputId(field)}
        testId={field}
        value={values[field]}
        onChange={(code) => set(field, code)}
        served={select.served}
        unservedLabel={select.unservedLabel}
        describedBy={describedBy(field, select.hint)}
      />
      {fieldError(field)}
    </div>
  );

  return (
    <main className="lobby">
      <div className="lobby-card">
        <header className="brand">
          <img src="/favicon.svg" alt="" width="44" height="44" />
          <div>
            <h1>Parley</h1>
            <p className="tagline">Speak your language. Read everyone in yours.</p>
          </div>
          <nav className="brand-actions" aria-label="Parley">
            {onOpenHistory ? (
              <button type="button" className="button button--ghost button--icon-text" data-testid="open-history" onClick={onOpenHistory}>
                <HistoryIcon />
                <span className="label">History</span>
              </button>
            ) : null}
            <button type="button" className="button button--ghost button--icon-text" data-testid="open-settings" onClick={() => setSettingsOpen(true)}>
              <SettingsIcon />
              <span className="label">Display</span>
            </button>
          </nav>
        </header>

        {unreachable ? (
          <p className="notice notice--error" role="alert" data-testid="server-unreachable">
            The Parley server cannot be reached: you may be offline, or the server is down. Transcripts saved on this device are in History.
          </p>
        ) : null}

        {account}

        {serverError ? (
          <p className="notice notice--error" role="alert">
            Could not join the room: {serverError}
          </p>
        ) : null}

        {canJoin ? (
          <form className="lobby-form" noValidate onSubmit={submit}>
            <div className="field">
              <label htmlFor={inputId('name')}>Your name</label>
              <input
                id={inputId('name')}
                data-testid="name"
                type="text"
                autoComplete="nickname"
                maxLength={LIMITS.displayNameChars}
                placeholder="How others will see you"
                value={values.name}
                onChange={(event) => set('name', event.target.value)}
                aria-invalid={errors.name ? true : undefined}
                aria-describedby={describedBy('name')}
                autoFocus={!initial.name}
              />
              {fieldError('name')}
            </div>

            <div className="field">
              <label htmlFor={inputId('room')}>Room code or link</label>
              <div className="input-row">
                <input
                  id={inputId('room')}
                  data-testid="room"
                  type="text"
                  autoComplete="off"
                  autoCapitalize="none"
                  autoCorrect="off"
                  spellCheck={false}
                  // Long enough for a pasted link; the room name inside it is checked on join.
                  maxLength={2_048}
                  placeholder="team-standup or https://…/r/team-standup"
                  value={values.room}
                  onChange={(event) => set('room', event.target.value)}
                  aria-invalid={errors.room ? true : undefined}
                  aria-describedby={describedBy('room', 'lobby-room-hint')}
                />
                <button type="button" className="button button--ghost" data-testid="new-room" onClick={() => set('room', randomRoomName())}>
                  New room
                </button>
              </div>
              <p id="lobby-room-hint" className="field-hint">
                Type the room’s short code or paste its link, or start a new room and share its link once inside.
              </p>
              {fieldError('room')}
            </div>

            <div className="field-pair">
              {languageField('speaks', 'I speak', {
                served: engines ? recognisedLanguages(engines) : undefined,
                unservedLabel: 'Speech not recognised here',
              })}
              {languageField('reads', 'Show captions in', { served: engines ? readableLanguages(engines) : undefined, hint: 'lobby-pair' })}
            </div>
            <EngineSummary id="lobby-pair" engines={engines} speaks={values.speaks} reads={values.reads} />

            <MicCheck deviceId={micDeviceId} onDeviceChange={setMicDeviceId} />

            {formError ? (
              <p className="notice notice--error" role="alert">
                {formError}
              </p>
            ) : null}

            <div className="lobby-actions">
              <button type="submit" className="button button--primary" data-testid="join-mic" data-mode="mic">
                <MicIcon />
                Join with microphone
              </button>
              <button type="submit" className="button button--secondary" data-testid="join-listen" data-mode="listen">
                <HeadphonesIcon />
                Join to listen only
              </button>
            </div>
            <p className="fine-print">
              With the microphone on, your voice goes to this Parley server to be transcribed and translated for the
              room.
            </p>
          </form>
        ) : null}
        {myRooms ? <MyRooms csrfToken={myRooms.csrfToken} onChoose={myRooms.onChoose} /> : null}
        {extra}
      </div>
      <SettingsDialog open={settingsOpen} onClose={() => setSettingsOpen(false)} />
    </main>
  );
}
