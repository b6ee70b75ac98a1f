import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import { LANGUAGES, type Caption, type LanguageCode } from '@parley/protocol';
import { CaptionItem } from './CaptionItem';

interface Props {
  captions: Caption[];
  selfId: string | null;
  reads: LanguageCode;
}

// Within this many pixels of the end still counts as "reading the latest".
const STICKY_PX = 48;

export function CaptionList({ captions, selfId, reads }: Props) {
  const scrollerRef = useRef<HTMLElement>(null);
  const followRef = useRef(true);
  const [hasUnseen, setHasUnseen] = useState(false);

  // Follow new captions only while the reader is at the end, so scrolling back to reread is not undone.
  useLayoutEffect(() => {
    const scroller = scrollerRef.current;
    if (!scroller) return;
    if (followRef.current) scroller.scrollTop = scroller.scrollHeight;
    else if (captions.length > 0) setHasUnseen(true);
  }, [captions]);

  function onScroll() {
    const scroller = scrollerRef.current;
    if (!scroller) return;
    const atEnd = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < STICKY_PX;
    followRef.current = atEnd;
    if (atEnd) setHasUnseen(false);
  }

  function jumpToLatest() {
    const scroller = scrollerRef.current;
    if (!scroller) return;
    followRef.current = true;
    setHasUnseen(false);
    scroller.scrollTop = scroller.scrollHeight;
  }

  // Screen readers hear each finished phrase once, not every interim revision of it.
  const lastFinal = useMemo(() => captions.findLast((c) => c.kind === 'final'), [captions]);

  return (
    <div className="captions">
      {/* Focusable so keyboard users can scroll back through the history. */}
      <section
        className="captions-scroller"
        ref={scrollerRef}
        onScroll={onScroll}
        tabIndex={0}
        aria-labelledby="captions-heading"
      >
        <h2 id="captions-heading" className="visually-hidden">
          Captions
        </h2>
        {captions.length === 0 ? (
          <p className="captions-empty">
            Captions appear here in {LANGUAGES[reads]} as soon as someone speaks.
          </p>
        ) : (
          <ol className="caption-list">
            {captions.map((caption) => (
              <CaptionItem key={caption.utteranceId} caption={caption} isSelf={caption.speakerId === selfId} />
            ))}
          </ol>
        )}
      </section>
      {hasUnseen ? (
        <button type="button" className="button button--primary jump-latest" onClick={jumpToLatest}>
          New captions ↓
        </button>
      ) : null}
      <div className="visually-hidden" aria-live="polite" aria-atomic="true">
        {lastFinal ? `${lastFinal.speakerName}: ${lastFinal.text}` : ''}
      </div>
    </div>
  );
}
