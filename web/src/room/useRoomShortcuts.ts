import { useEffect, useRef } from 'react';

export type ShortcutHandlers = Partial<Record<'mute' | 'jump' | 'bigger' | 'smaller' | 'originals' | 'settings' | 'help', () => void>>;

const KEYS: Record<string, keyof ShortcutHandlers> = {
  m: 'mute',
  l: 'jump',
  '+': 'bigger',
  '=': 'bigger',
  '-': 'smaller',
  o: 'originals',
  s: 'settings',
  '?': 'help',
};

/** Whether a key press belongs to a control that takes typing or its own keys. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) || target.closest('dialog[open]') !== null;
}

/** Single-key shortcuts for the room, ignored while typing, in a dialog, or with a modifier held. */
export function useRoomShortcuts(handlers: ShortcutHandlers): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || event.repeat || isTyping(event.target)) return;
      const name = KEYS[event.key.toLowerCase()];
      const handler = name ? ref.current[name] : undefined;
      if (!handler) return;
      event.preventDefault();
      handler();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
