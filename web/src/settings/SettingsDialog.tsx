import { Dialog } from '../Dialog';
import { CAPTION_SIZES, CAPTION_SIZE_LABELS, useDisplaySettings, type DisplaySettings } from './displaySettings';

interface Props {
  open: boolean;
  onClose: () => void;
}

const THEMES: { value: DisplaySettings['theme']; label: string }[] = [
  { value: 'system', label: 'Like my device' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

/** Caption size, theme, contrast, motion and read-aloud; kept on this device. */
export function SettingsDialog({ open, onClose }: Props) {
  const [settings, update] = useDisplaySettings();
  const canSpeak = typeof window !== 'undefined' && 'speechSynthesis' in window;
  return (
    <Dialog open={open} onClose={onClose} title="Display and sound" testId="settings-dialog">
      <form className="settings" onSubmit={(e) => e.preventDefault()}>
        <fieldset>
          <legend>Caption size</legend>
          <div className="segmented">
            {CAPTION_SIZES.map((size) => (
              <label key={size} className={`segment segment--${size}`}>
                <input type="radio" name="caption-size" value={size} checked={settings.captionSize === size} onChange={() => update({ captionSize: size })} />
                <span>{CAPTION_SIZE_LABELS[size]}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <fieldset>
          <legend>Colours</legend>
          <div className="segmented">
            {THEMES.map((theme) => (
              <label key={theme.value} className="segment">
                <input type="radio" name="theme" value={theme.value} checked={settings.theme === theme.value} onChange={() => update({ theme: theme.value })} />
                <span>{theme.label}</span>
              </label>
            ))}
          </div>
          <label className="checkbox">
            <input type="checkbox" data-testid="setting-contrast" checked={settings.highContrast} onChange={(e) => update({ highContrast: e.target.checked })} />
            High contrast
          </label>
        </fieldset>
        <fieldset>
          <legend>Comfort</legend>
          <label className="checkbox">
            <input type="checkbox" checked={settings.motion === 'reduce'} onChange={(e) => update({ motion: e.target.checked ? 'reduce' : 'system' })} />
            Reduce motion (no scrolling animations or pulsing)
          </label>
          <label className="checkbox">
            <input type="checkbox" data-testid="setting-read-aloud" disabled={!canSpeak} checked={settings.readAloud} onChange={(e) => update({ readAloud: e.target.checked })} />
            Read translated captions aloud
          </label>
          <p className="field-hint">
            {canSpeak
              ? 'Uses your browser’s voices, a different one per speaker where it has several. Headphones keep it out of your microphone.'
              : 'This browser cannot read text aloud.'}
          </p>
        </fieldset>
      </form>
    </Dialog>
  );
}
