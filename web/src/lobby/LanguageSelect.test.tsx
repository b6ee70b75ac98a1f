// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { LanguageSelect } from './LanguageSelect';

afterEach(cleanup);

function groups(select: HTMLSelectElement): { label: string; options: string[] }[] {
  return [...select.querySelectorAll('optgroup')].map((group) => ({
    label: group.label,
    options: [...group.querySelectorAll('option')].map((option) => option.textContent ?? ''),
  }));
}

describe('LanguageSelect', () => {
  it('lists the languages the server serves first and the others under their own heading, each option just its name', () => {
    render(<LanguageSelect id="speaks" testId="speaks" value="es" onChange={() => {}} served={['en']} unservedLabel="Speech not recognised here" />);
    const select = screen.getByTestId('speaks') as HTMLSelectElement;
    const [served, unserved] = groups(select);
    expect(served).toEqual({ label: 'Captioned on this server', options: ['English'] });
    expect(unserved?.label).toBe('Speech not recognised here');
    expect(unserved?.options).toContain('Español');
    expect(unserved?.options).not.toContain('English');
    // The chosen language reads in full in the closed select, with no note to be cut off.
    expect(select.selectedOptions[0]?.textContent).toBe('Español');
  });

  it('lists every language without groups while the served ones are unknown', () => {
    render(<LanguageSelect id="reads" testId="reads" value="en" onChange={() => {}} />);
    const select = screen.getByTestId('reads') as HTMLSelectElement;
    expect(select.querySelectorAll('optgroup')).toHaveLength(0);
    expect([...select.options].map((option) => option.textContent)).toEqual(expect.arrayContaining(['English', 'Español', 'Français']));
  });
});
