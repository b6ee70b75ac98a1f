import { describe, expect, it } from 'vitest';
import { readableText, type TimedWord } from './readableText.js';
import { writeNumbers } from './spokenNumbers.js';

/** Words spoken one after another; `|` marks a pause of the given length before the next word. */
function spoken(script: string): TimedWord[] {
  const words: TimedWord[] = [];
  let at = 0;
  for (const token of script.split(/\s+/).filter(Boolean)) {
    const pause = /^\|(\d*\.?\d+)$/.exec(token);
    if (pause) {
      at += Number(pause[1]);
      continue;
    }
    words.push({ text: token, startSeconds: at, endSeconds: at + 0.3 });
    at += 0.3;
  }
  return words;
}

describe('readableText', () => {
  it('writes a final as a sentence: capital first, full stop last', () => {
    expect(readableText(spoken('he was not an ill disposed young man'), { final: true })).toBe('He was not an ill disposed young man.');
  });

  it('leaves an interim open at the end, since the speaker is still going', () => {
    expect(readableText(spoken('he was not an ill'), { final: false })).toBe('He was not an ill');
  });

  it('puts a comma at a short pause and ends a sentence at a long one, capitalising the next', () => {
    const text = readableText(spoken('well |0.3 i think so |0.8 we should go'), { final: true });
    expect(text).toBe('Well, I think so. We should go.');
  });

  it('keeps words that follow each other closely in one clause', () => {
    expect(readableText(spoken('we |0.1 should |0.2 go'), { final: true })).toBe('We should go.');
  });

  it('takes its pause lengths from the options', () => {
    expect(readableText(spoken('yes |0.3 please'), { final: true, commaPauseSeconds: 0.5 })).toBe('Yes please.');
    expect(readableText(spoken('yes |0.3 please'), { final: true, sentencePauseSeconds: 0.2 })).toBe('Yes. Please.');
  });

  it('writes "I" and its contractions with a capital wherever they are', () => {
    expect(readableText("so i'm told that i'll see what i've got and i'd know", { final: true })).toBe("So I'm told that I'll see what I've got and I'd know.");
  });

  it('writes titles as abbreviations, with a capital for the name after them, and starts no sentence at their full stop', () => {
    expect(readableText('mr coulter is the apostle of the middle classes', { final: true })).toBe('Mr. Coulter is the apostle of the middle classes.');
    expect(readableText(spoken('ask dr smith'), { final: true })).toBe('Ask Dr. Smith.');
    expect(readableText('and mister john dashwood had then leisure', { final: true })).toBe('And Mr. John dashwood had then leisure.');
    expect(readableText('thank you mister', { final: true })).toBe('Thank you mister.');
    const properNouns = new Map([['marianne', 'Marianne'], ['smith', 'Smith']]);
    expect(readableText('ask doctor smith and professor marianne', { final: true, properNouns })).toBe('Ask Dr. Smith and Prof. Marianne.');
    expect(readableText('the doctor said the missus is home', { final: true, properNouns })).toBe('The doctor said the missus is home.');
  });

  it('writes the names it is given with their capital wherever they stand', () => {
    const properNouns = new Map([['madrid', 'Madrid'], ['monday', 'Monday'], ['marianne', 'Marianne']]);
    expect(readableText(spoken('marianne flies to madrid |0.8 monday i think'), { final: true, properNouns })).toBe('Marianne flies to Madrid. Monday I think.');
    expect(readableText('we met in madrid', { final: false })).toBe('We met in madrid');
  });

  it('ends a sentence shaped like a question with a question mark', () => {
    expect(readableText(spoken('where did he go |0.8 is it raining |0.8 what a day'), { final: true })).toBe('Where did he go? Is it raining? What a day.');
    expect(readableText('will is here', { final: true })).toBe('Will is here.');
    expect(readableText('have a nice day', { final: true })).toBe('Have a nice day.');
  });

  it('drops pocketsphinx pronunciation variants and lower-cases what it is given', () => {
    expect(readableText('THE(2) cat sat', { final: true })).toBe('The cat sat.');
  });

  it('writes numbers of ten and more in digits, keeping a comma after the number', () => {
    expect(readableText(spoken('we have twenty five |0.3 maybe thirty'), { final: true })).toBe('We have 25, maybe 30.');
    expect(readableText('two cats and ten of clubs', { final: true })).toBe('Two cats and 10 of clubs.');
  });

  it('gives nothing for no words', () => {
    expect(readableText('', { final: true })).toBe('');
    expect(readableText([], { final: false })).toBe('');
  });
});

describe('writeNumbers', () => {
  const write = (text: string) => writeNumbers(text.split(' ')).words.join(' ');

  it('reads cardinal numbers with hundreds, thousands and "and"', () => {
    expect(write('one hundred and five people')).toBe('105 people');
    expect(write('two thousand and twenty three')).toBe('2023');
    expect(write('a hundred years')).toBe('100 years');
    expect(write('three million four hundred thousand')).toBe('3,400,000');
    expect(write('twelve thousand five hundred')).toBe('12,500');
    expect(write('two thousand five hundred')).toBe('2500');
    expect(write('twelve')).toBe('12');
  });

  it('writes whole millions and billions with the word', () => {
    expect(write('five million people')).toBe('5 million people');
    expect(write('twenty five billion')).toBe('25 billion');
    expect(write('one point five million')).toBe('1.5 million');
  });

  it('reads years said as two pairs of digits', () => {
    expect(write('in nineteen eighty four')).toBe('in 1984');
    expect(write('in twenty twenty four and twenty ten')).toBe('in 2024 and 2010');
    expect(write('by twenty fifteen')).toBe('by 2015');
    expect(write('twenty one people')).toBe('21 people');
  });

  it('reads decimals and percentages, also of single digits', () => {
    expect(write('zero point two five')).toBe('0.25');
    expect(write('it grew two point five percent')).toBe('it grew 2.5%');
    expect(write('fifty percent of them')).toBe('50% of them');
    expect(write('five percent')).toBe('5%');
    expect(write('one point oh five')).toBe('1.05');
    expect(write('the point is five')).toBe('the point is five');
    expect(write('ten point')).toBe('10 point');
  });

  it('writes dates with the month\'s capital and the day in digits', () => {
    expect(write('on may fifth')).toBe('on May 5');
    expect(write('june the third')).toBe('June 3');
    expect(write('march third')).toBe('March 3');
    expect(write('august twenty first')).toBe('August 21');
    expect(write('june twelve')).toBe('June 12');
    expect(write('you may five times')).toBe('you may five times');
    expect(write('we march the first day')).toBe('we march the first day');
    expect(write('in may twenty people came')).toBe('in may 20 people came');
  });

  it('writes amounts of dollars and euros with their sign', () => {
    expect(write('twenty five dollars')).toBe('$25');
    expect(write('it costs five euros')).toBe('it costs €5');
    expect(write('one point five million dollars')).toBe('$1.5 million');
    expect(write('dollars and cents')).toBe('dollars and cents');
  });

  it('writes times after "at", "until"… and before a.m. or p.m.', () => {
    expect(write('we meet at three thirty')).toBe('we meet at 3:30');
    expect(write('until twelve fifteen')).toBe('until 12:15');
    expect(write('at five oh five a m')).toBe('at 5:05 a.m.');
    expect(write('by nine fifty nine p.m.')).toBe('by 9:59 p.m.');
    expect(write('five pm tomorrow')).toBe('5 p.m. tomorrow');
    // Without either, the words say nothing of a time.
    expect(write('at two')).toBe('at two');
    expect(write('page five twenty')).toBe('page five 20');
  });

  it('writes ordinals of ten and more with their suffix', () => {
    expect(write('the twenty first century')).toBe('the 21st century');
    expect(write('the eleventh hour')).toBe('the 11th hour');
    expect(write('the first day')).toBe('the first day');
    expect(write('one second')).toBe('one second');
  });

  it('keeps single digits, and runs of them, as words', () => {
    expect(write('two nine three four zero')).toBe('two nine three four zero');
    expect(write('five five')).toBe('five five');
  });

  it('leaves an "and" that is not part of the number', () => {
    expect(write('fifty and more')).toBe('50 and more');
    expect(write('bread and butter')).toBe('bread and butter');
  });

  it('says how many spoken words each written one stands for', () => {
    expect(writeNumbers(['we', 'have', 'twenty', 'five', 'cats']).spans).toEqual([1, 1, 2, 1]);
  });
});
