// Text and JSON from outside: what PostgreSQL cannot store (NUL, unpaired surrogates) is found
// and named, or replaced by U+FFFD; JSON too deep or too large is refused without recursing.
import { describe, expect, it } from 'vitest';
import { invalidCodePoint, invalidJson, replaceInvalidCodePoints, storableJsonText } from '../../src/domain/outside-text.js';

describe('invalidCodePoint', () => {
  it.each([
    ['plain text', 'STOP', null],
    ['accents and emoji (a surrogate pair)', 'Arrêt 🙂 顧客', null],
    ['tabs and newlines', 'a\tb\r\nc', null],
    ['a NUL', 'ab\u0000c', 'contains a NUL character at position 3'],
    ['a lone high surrogate', 'x\ud800', 'contains an unpaired surrogate (U+D800) at position 2'],
    ['a lone low surrogate', '\udc00y', 'contains an unpaired surrogate (U+DC00) at position 1'],
    ['a pair written backwards', '\ude00\ud83d', 'contains an unpaired surrogate (U+DE00) at position 1'],
    ['a high surrogate before a pair', '\ud83d\ud83d\ude00', 'contains an unpaired surrogate (U+D83D) at position 1'],
    ['U+FFFE', '\ufffe', 'contains a noncharacter (U+FFFE) at position 1'],
    ['U+FFFF', 'a\uffff', 'contains a noncharacter (U+FFFF) at position 2'],
  ])('%s → %j', (_what, text, expected) => {
    expect(invalidCodePoint(text)).toBe(expected);
  });
});

describe('replaceInvalidCodePoints', () => {
  it('replaces each bad code point by U+FFFD and keeps the rest, pairs included', () => {
    expect(replaceInvalidCodePoints('a\u0000b\ud800c🙂\udc00\uffff')).toBe('a\ufffdb\ufffdc🙂\ufffd\ufffd');
    expect(replaceInvalidCodePoints('clean')).toBe('clean');
  });
});

describe('storableJsonText', () => {
  it.each([
    ['a NUL in a value', { a: 'x\u0000' }, '{"a":"x\\ufffd"}'],
    ['a NUL in a key', { ['k\u0000']: 1 }, '{"k\\ufffd":1}'],
    ['a lone surrogate', ['\ud800'], '["\\ufffd"]'],
    ['a surrogate pair stays', ['🙂'], '["🙂"]'],
    ['an escaped backslash before u0000 is text, not an escape', ['\\u0000'], '["\\\\u0000"]'],
    ['an escaped backslash, then a real NUL', ['\\\u0000'], '["\\\\\\ufffd"]'],
  ])('%s', (_what, value, expected) => {
    const text = storableJsonText(JSON.stringify(value));
    expect(text).toBe(expected);
    expect(() => JSON.parse(text) as unknown).not.toThrow();
  });
});

describe('invalidJson', () => {
  const limits = { maxDepth: 8, maxSize: 1_000 };
  const nested = (depth: number): unknown => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i += 1) value = { a: value };
    return value;
  };

  it.each([
    ['a small object', { top_drivers: ['utilisation', 'late_fees'], weights: { a: 0.4 } }, null],
    ['eight levels', nested(8), null],
    ['nine levels', nested(9), 'is nested deeper than 8 levels'],
    ['a NUL in a nested value', { top_drivers: ['ok', 'x\u0000'] }, 'top_drivers.1 contains a NUL character at position 2'],
    ['a lone surrogate in a key', { ['\ud800']: 1 }, 'a key contains an unpaired surrogate (U+D800) at position 1'],
    ['a long string', { a: 'x'.repeat(2_000) }, 'is larger than 1000 characters'],
    ['many small values', Array.from({ length: 500 }, () => 1), 'is larger than 1000 characters'],
  ])('%s → %j', (_what, value, expected) => {
    expect(invalidJson(value, limits)).toBe(expected);
  });

  it('refuses 100,000 levels of nesting without overflowing the stack', () => {
    expect(invalidJson(nested(100_000), limits)).toBe('is nested deeper than 8 levels');
    expect(invalidJson(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), limits)).toBe('is nested deeper than 8 levels');
  });
});
