import { memo, type CSSProperties } from 'react';
import { LANGUAGES, type Caption } from '@parley/protocol';
import { speakerHue } from '../speakerHue';

interface Props {
  caption: Caption;
  isSelf: boolean;
  showOriginal: boolean;
  onToggleOriginal: (utteranceId: string) => void;
}

/** One phrase: who said it (in their colour), the text (lighter while still spoken), and its original on request. */
export const CaptionItem = memo(function CaptionItem({ caption, isSelf, showOriginal, onToggleOriginal }: Props) {
  const translated = caption.lang !== caption.sourceLang;
  const sourceId = `caption-source-${caption.utteranceId}`;
  return (
    <li
      className={`caption caption--${caption.kind}`}
      data-testid="caption"
      data-utterance-id={caption.utteranceId}
      data-kind={caption.kind}
      data-lang={caption.lang}
      data-source-lang={caption.sourceLang}
      data-speaker={caption.speakerId}
      style={{ '--hue': speakerHue(caption.speakerId) } as CSSProperties}
    >
      <div className="caption-meta">
        <span className="caption-speaker">
          {caption.speakerName}
          {isSelf ? <span className="you"> (you)</span> : null}
        </span>
        {caption.kind === 'interim' ? <span className="caption-live">speaking…</span> : null}
        {translated ? (
          <button
            type="button"
            className="caption-original-toggle"
            data-testid="caption-original-toggle"
            aria-expanded={showOriginal}
            aria-controls={sourceId}
            onClick={() => onToggleOriginal(caption.utteranceId)}
          >
            {showOriginal ? 'Hide original' : `Show original (${LANGUAGES[caption.sourceLang]})`}
          </button>
        ) : null}
      </div>
      <p className="caption-text" data-testid="caption-text" lang={caption.lang}>
        {caption.text}
      </p>
      {translated ? (
        <p className="caption-source" id={sourceId} data-testid="caption-source-text" lang={caption.sourceLang} hidden={!showOriginal}>
          {caption.sourceText}
        </p>
      ) : null}
    </li>
  );
});
