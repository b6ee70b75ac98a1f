import type { ReactNode } from 'react';
import { searchKey } from './transcriptApi';

/** `text` with every match of `query` (ignoring case and accents) in <mark>. */
export function highlight(text: string, query: string): ReactNode {
  const needle = searchKey(query.trim());
  if (!needle) return text;
  // Fold each character on its own, keeping where it came from, so matches map back onto the original.
  const chars = Array.from(text);
  let folded = '';
  const origin: number[] = [];
  chars.forEach((char, i) => {
    for (const f of Array.from(searchKey(char))) {
      folded += f;
      origin.push(i);
    }
  });
  const parts: ReactNode[] = [];
  let from = 0;
  let at = folded.indexOf(needle);
  while (at !== -1) {
    const start = origin[at]!;
    const end = origin[at + needle.length - 1]! + 1;
    if (start > from) parts.push(chars.slice(from, start).join(''));
    parts.push(<mark key={start}>{chars.slice(start, end).join('')}</mark>);
    from = end;
    at = folded.indexOf(needle, at + needle.length);
  }
  if (parts.length === 0) return text;
  if (from < chars.length) parts.push(chars.slice(from).join(''));
  return parts;
}
