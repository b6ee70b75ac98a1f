import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { LANGUAGES, type Caption, type LanguageCode } from '@parley/protocol';
import { CaptionItem } from './CaptionItem';
import type { Announcement } from './roomReducer';

interface Props {
  captions: Caption[];
  selfId: string | null;
  reads: LanguageCode;
  /** The latest phrase that became final, read once by screen readers. */
  announcement: Announcement | null;
  /** Show every caption's original (a caption's own toggle overrides it until this changes). */
  showOriginals: boolean;
  /** Bumped to jump to the live end (keyboard shortcut). */
  jumpSignal?: number;
}

// Within this many pixels of the end still counts as "reading the latest".
const STICKY_PX = 48;

export function CaptionList({ captions, selfId, reads, announcement, showOriginals, jumpSignal = 0 }: Props) {
  const scrollerRef = useRef<HTMLElement>(null);
  const followRef = useRef(true);
  const [paused, setPaused] = useState(false);
  const [unseen, setUnseen] = useState(0);
  const [overrides, setOverrides] = useState<ReadonlyMap<string, boolean>>(new Map());
  const lastCount = useRef(captions.length);

  useEffect(() => setOverrides(new Map()), [showOriginals]);

  // Follow new captions only while the reader is at the end, so scrolling back to reread is not undone.
  useLayoutEffect(() => {
    const scroller = scrollerRef.current;
    const added = Math.max(0, captions.length - lastCount.current);
    lastCount.current = captions.length;
    if (!scroller) return;
    if (followRef.current) scroller.scrollTop = scroller.scrollHeight;
    else if (added > 0) setUnseen((n) => n + added);
  }, [captions]);

  const jumpToLive = useCallback(() => {
    const scroller = scrollerRef.current;
    followRef.current = true;
    setPaused(false);
    setUnseen(0);
    if (scroller) scroller.scrollTop = scroller.scrollHeight;
  }, []);

  useEffect(() => {
    if (jumpSignal > 0) jumpToLive();
  }, [jumpSignal, jumpToLive]);

  function onScroll() {
    const scroller = scrollerRef.current;
    if (!scroller) return;
    const atEnd = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < STICKY_PX;
    followRef.current = atEnd;
    setPaused(!atEnd);
    if (atEnd) setUnseen(0);
  }

  const toggleOriginal = useCallback(
    (id: string) => setOverrides((current) => new Map(current).set(id, !(current.get(id) ?? showOriginals))),
    [showOriginals],
  );

  return (
    <div className="captions">
      {/* Focusable so keyboard users can scroll back through the history. */}
      <section className="captions-scroller" ref={scrollerRef} onScroll={onScroll} tabIndex={0} aria-labelledby="captions-heading" data-testid="captions">
        <h2 id="captions-heading" className="visually-hidden">
          Captions
        </h2>
        {captions.length === 0 ? (
          <p className="captions-empty">Captions appear here in {LANGUAGES[reads]} as soon as someone speaks.</p>
        ) : (
          <ol className="caption-list">
            {captions.map((caption) => (
              <CaptionItem
                key={caption.utteranceId}
                caption={caption}
                isSelf={caption.speakerId === selfId}
                showOriginal={overrides.get(caption.utteranceId) ?? showOriginals}
                onToggleOriginal={toggleOriginal}
              />
            ))}
          </ol>
        )}
      </section>
      {paused ? (
        <button type="button" className="button button--primary jump-live" data-testid="jump-live" onClick={jumpToLive}>
          {unseen > 0 ? `${unseen} new · Jump to live ↓` : 'Jump to live ↓'}
        </button>
      ) : null}
      {/* A new element per phrase: screen readers announce each final once, never the interims. */}
      <div className="visually-hidden" aria-live="polite" aria-relevant="additions" data-testid="caption-announcer">
        {announcement ? (
          <p key={announcement.utteranceId} lang={announcement.caption.lang}>
            {announcement.caption.speakerName}: {announcement.caption.text}
          </p>
        ) : null}
      </div>
    </div>
  );
}
