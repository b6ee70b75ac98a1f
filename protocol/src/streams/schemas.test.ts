import { describe, expect, it } from 'vitest';
import { MAX_NAME_WORDS, fieldsToRecord, nameWords, recordToFields, sttAssignmentSchema } from './schemas.js';

describe('nameWords', () => {
  it('takes the words of display names once each, with their apostrophes and hyphens', () => {
    expect(nameWords(["Mary-Jane O'Neil, PhD", 'mary-jane', 'Zoë (host)', 'Dr. Ng', 'A', '李小龙', '  ', "'quoted'", '12345'])).toEqual([
      'Mary-Jane',
      "O'Neil",
      'PhD',
      'Zoë',
      'host',
      'Dr',
      'Ng',
      '李小龙',
      'quoted',
    ]);
  });

  it('keeps at most MAX_NAME_WORDS', () => {
    const many = Array.from({ length: 100 }, (_, i) => `Person${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`);
    expect(nameWords(many)).toHaveLength(MAX_NAME_WORDS);
  });
});

describe('sttAssignmentSchema names', () => {
  const assignment = { utteranceId: 'spk-1', room: 'room-1', speakerId: 'spk', speakerName: 'Sam', srcLang: 'en', targetLangs: ['es'], startedAtMs: 1 };

  it('reads the names from the stream entry, and none from an entry written without them', () => {
    const fields = (record: Record<string, string | number | readonly string[]>) => fieldsToRecord(recordToFields(record));
    expect(sttAssignmentSchema.parse(fields({ ...assignment, names: ['Ada', "O'Neil"] })).names).toEqual(['Ada', "O'Neil"]);
    expect(sttAssignmentSchema.parse(fields({ ...assignment, names: [] })).names).toEqual([]);
    expect(sttAssignmentSchema.parse(fields(assignment)).names).toEqual([]);
  });

  it('refuses names that are not name words, and too many', () => {
    expect(sttAssignmentSchema.safeParse({ ...assignment, names: 'Ada,x' }).success).toBe(false);
    expect(sttAssignmentSchema.safeParse({ ...assignment, names: 'Ada,two words' }).success).toBe(false);
    expect(sttAssignmentSchema.safeParse({ ...assignment, names: Array.from({ length: MAX_NAME_WORDS + 1 }, () => 'Ada').join(',') }).success).toBe(false);
  });
});
