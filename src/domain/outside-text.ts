// The one check of text and JSON that arrives from outside (score batches, HTTP bodies, provider
// webhooks) before it reaches PostgreSQL. PostgreSQL stores neither the NUL character (in text
// or jsonb) nor an unpaired UTF-16 surrogate (in jsonb: "\ud800" is refused), and a JSON value
// nested thousands of levels deep overflows the stack of JSON.stringify; each of these fails
// the whole statement, so a single bad value would cost every other row of a batch. Callers
// either refuse the value (an identifier, a score row) or store it with the bad code points
// replaced by U+FFFD (free text such as a reply or a bounce reason).

/** U+FFFD, the replacement character: what a code point that cannot be stored becomes. */
export const REPLACEMENT = '\ufffd';

// NUL; an unpaired surrogate (in a `u` regex a surrogate pair is one code point, outside the
// range, so only a lone one matches); and the two noncharacters U+FFFE and U+FFFF, which are
// never text (U+FFFE is a byte-swapped BOM).
// eslint-disable-next-line no-control-regex -- the NUL character is one of what this matches
const INVALID_ONE = /[\u0000\ud800-\udfff\ufffe\uffff]/u;
// eslint-disable-next-line no-control-regex -- as above
const INVALID_ALL = /[\u0000\ud800-\udfff\ufffe\uffff]/gu;

function describe(codeUnit: number): string {
  if (codeUnit === 0) return 'a NUL character';
  const hex = codeUnit.toString(16).toUpperCase().padStart(4, '0');
  return codeUnit >= 0xd800 && codeUnit <= 0xdfff ? `an unpaired surrogate (U+${hex})` : `a noncharacter (U+${hex})`;
}

/** Why the text cannot be taken as it is ("contains a NUL character at position 3"), or null when it can. */
export function invalidCodePoint(text: string): string | null {
  const match = INVALID_ONE.exec(text);
  if (!match) return null;
  return `contains ${describe(match[0].charCodeAt(0))} at position ${match.index + 1}`;
}

/** The text with every code point that cannot be stored replaced by U+FFFD. */
export function replaceInvalidCodePoints(text: string): string {
  return INVALID_ONE.test(text) ? text.replace(INVALID_ALL, REPLACEMENT) : text;
}

// In JSON.stringify's output a NUL and an unpaired surrogate are always escaped (\u0000,
// \ud800), and paired surrogates never are; an escape starts after an even run of backslashes.
const INVALID_JSON_ESCAPE = /(?<!\\)((?:\\\\)*)\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})/g;

/** JSON text (as JSON.stringify writes it) with NUL and unpaired surrogates, in keys and values alike, turned into U+FFFD. */
export function storableJsonText(json: string): string {
  // Nearly every text has no escape at all: looking for one costs a fifth of the pattern's scan
  // (an intervention's 4.5 kB of messages: 1.9 µs against 7.7).
  return json.includes('\\u') ? json.replace(INVALID_JSON_ESCAPE, '$1\\ufffd') : json;
}

export interface JsonLimits {
  /** levels of objects and arrays: {"a": [1]} is 2 */
  maxDepth: number;
  /** characters of keys and strings, plus a few per other value: close to its JSON size */
  maxSize: number;
}

/**
 * Why a JSON value cannot be taken (too deep, too large, or a key or string with a code point
 * that cannot be stored, named by its path), or null when it can; without `codePoints` only its
 * shape is checked (its text will be stored with bad code points replaced). Iterative: a value
 * nested far deeper than the limit is refused without recursing into it.
 */
export function invalidJson(value: unknown, limits: JsonLimits, options: { codePoints: boolean } = { codePoints: true }): string | null {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: '' }];
  let size = 0;
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      size += item.value.length + 2;
      const bad = options.codePoints ? invalidCodePoint(item.value) : null;
      if (bad) return `${item.path || 'the value'} ${bad}`;
    } else if (typeof item.value === 'object' && item.value !== null) {
      const depth = item.depth + 1;
      if (depth > limits.maxDepth) return `is nested deeper than ${limits.maxDepth} levels`;
      const entries = Array.isArray(item.value) ? item.value.map((v, i) => [String(i), v] as const) : Object.entries(item.value);
      for (const [key, child] of entries) {
        const path = item.path ? `${item.path}.${key}` : key;
        if (!Array.isArray(item.value)) {
          size += key.length + 3;
          const bad = options.codePoints ? invalidCodePoint(key) : null;
          if (bad) return `a key ${bad}`;
        }
        stack.push({ value: child, depth, path });
      }
      size += 2;
    } else size += 8;
    if (size > limits.maxSize) return `is larger than ${limits.maxSize} characters`;
  }
  return null;
}
