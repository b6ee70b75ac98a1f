import { useEffect, useState } from 'react';
import { LinkIcon } from '../Icons';
import { roomLink } from '../roomUrl';

export function CopyLinkButton({ room }: { room: string }) {
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2_000);
    return () => clearTimeout(timer);
  }, [copied]);

  async function copy() {
    const link = roomLink(room, window.location.origin);
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
    } catch {
      // The clipboard API needs a secure context and permission; a prompt still lets people copy by hand.
      window.prompt('Copy this link to invite people:', link);
    }
  }

  return (
    <button type="button" className="button button--ghost" onClick={() => void copy()}>
      <LinkIcon />
      <span aria-live="polite">{copied ? 'Link copied' : 'Copy link'}</span>
    </button>
  );
}
