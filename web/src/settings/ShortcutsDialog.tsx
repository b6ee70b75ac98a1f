import { Dialog } from '../Dialog';

export const ROOM_SHORTCUTS: { keys: string[]; action: string }[] = [
  { keys: ['M'], action: 'Mute or unmute your microphone' },
  { keys: ['L'], action: 'Jump to the live captions' },
  { keys: ['+', '−'], action: 'Larger or smaller captions' },
  { keys: ['O'], action: 'Show or hide the original of every caption' },
  { keys: ['S'], action: 'Display and sound settings' },
  { keys: ['?'], action: 'This list' },
];

/** The room's keyboard shortcuts (they work anywhere but in a text field). */
export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} onClose={onClose} title="Keyboard shortcuts" testId="shortcuts-dialog">
      <table className="shortcuts">
        <tbody>
          {ROOM_SHORTCUTS.map((s) => (
            <tr key={s.action}>
              <td>
                {s.keys.map((k, i) => (
                  <span key={k}>
                    {i > 0 ? ' / ' : null}
                    <kbd>{k}</kbd>
                  </span>
                ))}
              </td>
              <td>{s.action}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="field-hint">Tab moves between controls; Escape closes a dialog.</p>
    </Dialog>
  );
}
