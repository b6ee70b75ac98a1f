import { useEffect, useRef, type ReactNode } from 'react';

interface Props {
  open: boolean;
  onClose: () => void;
  title: string;
  testId?: string;
  children: ReactNode;
}

/**
 * A modal dialog on the native <dialog>: the browser keeps focus inside it, closes it on Escape
 * and returns focus to what opened it.
 */
export function Dialog({ open, onClose, title, testId, children }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = `dialog-${title.replace(/\W+/g, '-').toLowerCase()}`;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal?.();
    else if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId} data-testid={testId} onClose={onClose} onCancel={onClose}>
      <div className="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="button button--ghost button--icon" onClick={onClose} aria-label="Close">
          ✕
        </button>
      </div>
      {open ? children : null}
    </dialog>
  );
}
