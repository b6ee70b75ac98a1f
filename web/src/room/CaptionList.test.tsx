// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Caption } from '@parley/protocol';
import { CaptionList } from './CaptionList';
import type { Announcement } from './roomReducer';
import { testCaption } from '../test-support/caption';

const caption = testCaption;

function list(captions: Caption[], props: Partial<Parameters<typeof CaptionList>[0]> = {}) {
  return <CaptionList captions={captions} selfId="me" reads="es" announcement={null} showOriginals={false} {...props} />;
}

/** happy-dom lays nothing out: give the scroller a size so "at the end" means something. */
function giveScrollerGeometry(scroller: HTMLElement, scrollHeight: number, clientHeight: number): void {
  Object.defineProperty(scroller, 'scrollHeight', { configurable: true, get: () => scrollHeight });
  Object.defineProperty(scroller, 'clientHeight', { configurable: true, get: () => clientHeight });
}

afterEach(cleanup);

describe('CaptionList', () => {
  it('says where captions will appear before anyone speaks', () => {
    render(list([], { reads: 'fr' }));
    expect(screen.getByText('Captions appear here in Français as soon as someone speaks.')).toBeTruthy();
  });

  it('shows each phrase with its speaker, in the speaker’s colour, interim marked and then replaced in place by the final', () => {
    const { rerender } = render(list([caption({ text: 'ho' }), caption({ utteranceId: 'u2', speakerId: 'me', speakerName: 'Me', kind: 'final', text: 'sí' })]));
    const items = screen.getAllByTestId('caption');
    expect(items.map((li) => li.dataset.utteranceId)).toEqual(['u1', 'u2']);
    const first = items[0]!;
    expect(first.dataset.kind).toBe('interim');
    expect(first.className).toContain('caption--interim');
    expect(within(first).getByText('speaking…')).toBeTruthy();
    expect(within(first).getByText('Ana')).toBeTruthy();
    expect(first.style.getPropertyValue('--hue')).not.toBe('');
    expect(within(items[1]!).getByText('(you)')).toBeTruthy();
    expect(first.style.getPropertyValue('--hue')).not.toBe(items[1]!.style.getPropertyValue('--hue'));

    rerender(list([caption({ kind: 'final', seq: 2, text: 'hola a todos' }), caption({ utteranceId: 'u2', speakerId: 'me', speakerName: 'Me', kind: 'final', text: 'sí' })]));
    const after = screen.getAllByTestId('caption');
    // The same list item, updated: the reader's eye does not have to find a new line.
    expect(after[0]).toBe(first);
    expect(first.dataset.kind).toBe('final');
    expect(within(first).getByTestId('caption-text').textContent).toBe('hola a todos');
    expect(within(first).queryByText('speaking…')).toBeNull();
  });

  it('shows a translated caption’s original on request, per caption; untranslated ones have no toggle', () => {
    render(list([caption({ kind: 'final' }), caption({ utteranceId: 'u2', lang: 'es', sourceLang: 'es', sourceText: 'buenas', text: 'buenas' })]));
    const [translated, own] = screen.getAllByTestId('caption');
    expect(within(own!).queryByTestId('caption-original-toggle')).toBeNull();
    const source = within(translated!).getByTestId('caption-source-text');
    expect(source.hidden).toBe(true);
    const toggle = within(translated!).getByRole('button', { name: 'Show original (English)' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(toggle);
    expect(source.hidden).toBe(false);
    expect(source.textContent).toBe('hello');
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(toggle.textContent).toBe('Hide original');
  });

  it('shows every original when asked, and a caption’s own toggle still hides its one', () => {
    render(list([caption({ kind: 'final' }), caption({ utteranceId: 'u2', kind: 'final', sourceText: 'bye' })], { showOriginals: true }));
    const sources = screen.getAllByTestId('caption-source-text');
    expect(sources.map((s) => s.hidden)).toEqual([false, false]);
    fireEvent.click(screen.getAllByTestId('caption-original-toggle')[0]!);
    expect(sources.map((s) => s.hidden)).toEqual([true, false]);
  });

  it('follows new captions at the end, pauses when the reader scrolls up, and jumps back to live', () => {
    const { rerender } = render(list([caption()]));
    const scroller = screen.getByTestId('captions');
    giveScrollerGeometry(scroller, 1000, 300);
    rerender(list([caption(), caption({ utteranceId: 'u2' })]));
    expect(scroller.scrollTop).toBe(1000);
    expect(screen.queryByTestId('jump-live')).toBeNull();

    // The reader scrolls back to reread: new captions no longer move the view.
    scroller.scrollTop = 100;
    fireEvent.scroll(scroller);
    rerender(list([caption(), caption({ utteranceId: 'u2' }), caption({ utteranceId: 'u3' }), caption({ utteranceId: 'u4' })]));
    expect(scroller.scrollTop).toBe(100);
    const jump = screen.getByTestId('jump-live');
    expect(jump.textContent).toBe('2 new · Jump to live ↓');

    fireEvent.click(jump);
    expect(scroller.scrollTop).toBe(1000);
    expect(screen.queryByTestId('jump-live')).toBeNull();
    rerender(list([caption(), caption({ utteranceId: 'u2' }), caption({ utteranceId: 'u3' }), caption({ utteranceId: 'u4' }), caption({ utteranceId: 'u5' })]));
    expect(screen.queryByTestId('jump-live')).toBeNull();
  });

  it('jumps to live on the keyboard shortcut’s signal', () => {
    const captions = [caption()];
    const { rerender } = render(list(captions, { jumpSignal: 0 }));
    const scroller = screen.getByTestId('captions');
    giveScrollerGeometry(scroller, 800, 200);
    scroller.scrollTop = 0;
    fireEvent.scroll(scroller);
    expect(screen.getByTestId('jump-live')).toBeTruthy();
    act(() => rerender(list(captions, { jumpSignal: 1 })));
    expect(scroller.scrollTop).toBe(800);
    expect(screen.queryByTestId('jump-live')).toBeNull();
  });

  it('puts each final phrase into the live region once, as a new element, never the interims', () => {
    const final = caption({ kind: 'final', text: 'hola' });
    const announcement: Announcement = { utteranceId: 'u1', caption: final };
    const { rerender } = render(list([caption({ text: 'ho' })]));
    const region = screen.getByTestId('caption-announcer');
    expect(region.getAttribute('aria-live')).toBe('polite');
    expect(region.textContent).toBe('');

    rerender(list([final], { announcement }));
    const spoken = region.querySelector('p')!;
    expect(spoken.textContent).toBe('Ana: hola');
    expect(spoken.getAttribute('lang')).toBe('es');
    rerender(list([final, caption({ utteranceId: 'u2', text: 'otra' })], { announcement }));
    expect(region.querySelector('p')).toBe(spoken);

    const next: Announcement = { utteranceId: 'u2', caption: caption({ utteranceId: 'u2', kind: 'final', text: 'hola' }) };
    rerender(list([final, next.caption], { announcement: next }));
    expect(region.querySelectorAll('p')).toHaveLength(1);
    expect(region.querySelector('p')).not.toBe(spoken);
    expect(region.textContent).toBe('Ana: hola');
  });
});
