import { memo, type CSSProperties } from 'react';
import { LANGUAGES, type Caption } from '@parley/protocol';
import { speakerHue } from './speakerHue';

interface Props {
  caption: Caption;
  isSelf: boolean;
}

export const CaptionItem = memo(function CaptionItem({ caption, isSelf }: Props) {
  const translated = caption.lang !== caption.sourceLang;
  return (
    <li
      className={`caption caption--${caption.kind}`}
      data-testid="caption"
      data-utterance-id={caption.utteranceId}
      data-kind={caption.kind}
      data-lang={caption.lang}
      data-source-lang={caption.sourceLang}
      style={{ '--hue': speakerHue(caption.speakerId) } as CSSProperties}
    >
      <div className="caption-meta">
        <span className="caption-speaker">
          {caption.speakerName}
          {isSelf ? <span className="you"> (you)</span> : null}
        </span>
        {translated ? (
          <span className="caption-lang">translated from {LANGUAGES[caption.sourceLang]}</span>
        ) : null}
        {caption.kind === 'interim' ? <span className="visually-hidden">(still speaking)</span> : null}
      </div>
      <p className="caption-text" data-testid="caption-text" lang={caption.lang}>
        {caption.text}
      </p>
      {translated ? (
        <p className="caption-source" data-testid="caption-source-text" lang={caption.sourceLang}>
          {caption.sourceText}
        </p>
      ) : null}
    </li>
  );
});
