import { useCallback, useEffect, useRef, useState } from 'react';
import { MicIcon } from '../Icons';
import { MicLevelMeter, describeMicCheckError, listMicrophones, type MicDevice } from './microphone';

interface Props {
  /** The chosen microphone's id ('' for the browser's default). */
  deviceId: string;
  onDeviceChange: (deviceId: string) => void;
}

type Check =
  | { kind: 'idle' }
  | { kind: 'opening' }
  | { kind: 'listening'; heard: boolean; quiet: boolean }
  | { kind: 'failed'; message: string };

/** Level that counts as "you were heard": well above a quiet room's hiss. */
const HEARD_LEVEL = 0.08;
/** Still nothing after this long: say so, with what to check. */
const QUIET_AFTER_MS = 8_000;

/** Microphone picker with a live level meter and a "test my microphone" check, before joining. */
export function MicCheck({ deviceId, onDeviceChange }: Props) {
  const [devices, setDevices] = useState<MicDevice[]>([]);
  const [check, setCheck] = useState<Check>({ kind: 'idle' });
  const [level, setLevel] = useState(0);
  const meterRef = useRef<MicLevelMeter | null>(null);

  const refreshDevices = useCallback(() => {
    listMicrophones().then(setDevices, () => setDevices([]));
  }, []);

  useEffect(() => {
    refreshDevices();
    navigator.mediaDevices?.addEventListener?.('devicechange', refreshDevices);
    return () => navigator.mediaDevices?.removeEventListener?.('devicechange', refreshDevices);
  }, [refreshDevices]);

  const stop = useCallback(() => {
    meterRef.current?.stop();
    meterRef.current = null;
    setLevel(0);
  }, []);

  // The microphone is released when the lobby goes away (joining opens it again for the room).
  useEffect(() => stop, [stop]);

  useEffect(() => {
    if (check.kind !== 'listening') return;
    const startedAt = performance.now();
    let heardFor = 0;
    let last = startedAt;
    // A tenth of a second is smooth enough for a meter and calm on the eye.
    const timer = setInterval(() => {
      const meter = meterRef.current;
      if (!meter) return;
      const now = performance.now();
      const value = meter.level();
      setLevel(value);
      heardFor = value >= HEARD_LEVEL ? heardFor + (now - last) : 0;
      last = now;
      if (heardFor >= 300) setCheck((c) => (c.kind === 'listening' && !c.heard ? { ...c, heard: true, quiet: false } : c));
      else if (now - startedAt > QUIET_AFTER_MS) setCheck((c) => (c.kind === 'listening' && !c.heard && !c.quiet ? { ...c, quiet: true } : c));
    }, 100);
    return () => clearInterval(timer);
  }, [check.kind]);

  async function start() {
    stop();
    setCheck({ kind: 'opening' });
    try {
      const meter = await MicLevelMeter.open(deviceId || undefined);
      meterRef.current = meter;
      setCheck({ kind: 'listening', heard: false, quiet: false });
      // With permission granted the devices have names now.
      refreshDevices();
    } catch (error) {
      setCheck({ kind: 'failed', message: describeMicCheckError(error) });
    }
  }

  function finish() {
    stop();
    setCheck({ kind: 'idle' });
  }

  function choose(id: string) {
    onDeviceChange(id);
    if (check.kind === 'listening' || check.kind === 'opening') {
      stop();
      setCheck({ kind: 'idle' });
    }
  }

  const testing = check.kind === 'listening' || check.kind === 'opening';
  return (
    <fieldset className="mic-check">
      <legend>Microphone</legend>
      <div className="input-row">
        <label htmlFor="lobby-mic" className="visually-hidden">
          Microphone
        </label>
        <select id="lobby-mic" data-testid="mic-device" value={deviceId} onChange={(e) => choose(e.target.value)}>
          <option value="">Browser default</option>
          {devices.map((d) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label}
            </option>
          ))}
        </select>
        <button type="button" className="button button--ghost" data-testid="mic-test" onClick={() => void (testing ? finish() : start())}>
          <MicIcon />
          {testing ? 'Stop test' : 'Test my microphone'}
        </button>
      </div>
      {check.kind === 'listening' ? (
        <div className="mic-meter" role="meter" aria-label="Microphone level" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(level * 100)} data-testid="mic-level">
          <span className="mic-meter-fill" style={{ transform: `scaleX(${level})` }} />
        </div>
      ) : null}
      <p className="field-hint" role="status" data-testid="mic-status">
        {check.kind === 'idle' ? 'Check that others will hear you before you join.' : null}
        {check.kind === 'opening' ? 'Opening the microphone…' : null}
        {check.kind === 'listening' && check.heard ? '✓ We can hear you. Your microphone works.' : null}
        {check.kind === 'listening' && !check.heard && !check.quiet ? 'Say something: the bar should move.' : null}
        {check.kind === 'listening' && check.quiet
          ? 'We hear nothing yet. Check that the microphone is not muted (a switch on a headset or laptop), or choose another one.'
          : null}
      </p>
      {check.kind === 'failed' ? (
        <p className="notice notice--error" role="alert" data-testid="mic-error">
          {check.message}
        </p>
      ) : null}
    </fieldset>
  );
}
