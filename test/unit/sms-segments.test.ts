// How many parts an SMS takes on the customer's phone: GSM-7 (160, or 153 a part) unless one
// character is outside the GSM alphabet, then UCS-2 (70, or 67 a part); extension characters
// take two septets, emoji two UTF-16 units, and neither is ever split across parts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { smsSegments } from '../../src/domain/sms-segments.js';

describe('smsSegments', () => {
  it.each([
    ['', 'GSM-7', 0, 0],
    ['a'.repeat(160), 'GSM-7', 160, 1],
    ['a'.repeat(161), 'GSM-7', 161, 2],
    ['a'.repeat(306), 'GSM-7', 306, 2],
    ['a'.repeat(307), 'GSM-7', 307, 3],
    ['€'.repeat(80), 'GSM-7', 160, 1],
    ['€'.repeat(81), 'GSM-7', 162, 2],
    ['{}[]~^|\\', 'GSM-7', 16, 1],
    ['ñÑüÜ¿¡éÉèùìòàÄÖäö£¥§@_', 'GSM-7', 22, 1],
    ['á'.repeat(70), 'UCS-2', 70, 1],
    ['á'.repeat(71), 'UCS-2', 71, 2],
    ['á'.repeat(134), 'UCS-2', 134, 2],
    ['á'.repeat(135), 'UCS-2', 135, 3],
    ['😀'.repeat(35), 'UCS-2', 70, 1],
    ['😀'.repeat(36), 'UCS-2', 72, 2],
  ])('%#: %j is %s, %i units, %i segment(s)', (body, encoding, units, segments) => {
    expect(smsSegments(body)).toEqual({ encoding, units, segments });
  });

  it('turns a whole message into UCS-2 for one Spanish accent outside GSM (á í ó ú), a curly quote or a no-break space', () => {
    for (const char of ['á', 'í', 'ó', 'ú', '’', '“', '\u00a0', '–']) {
      expect(smsSegments(`Hola ${char} ${'a'.repeat(100)}`).encoding, JSON.stringify(char)).toBe('UCS-2');
    }
    expect(smsSegments(`Responda STOP para darse de baja ${'a'.repeat(100)}`).encoding).toBe('GSM-7');
  });

  it('never splits an escape sequence across two parts (a part may hold 152 septets)', () => {
    // 152 + 2 + 152 = 306 septets, but the € cannot straddle the first boundary: three parts, not two.
    expect(smsSegments(`${'a'.repeat(152)}€${'a'.repeat(152)}`)).toEqual({ encoding: 'GSM-7', units: 306, segments: 3 });
    expect(smsSegments(`${'a'.repeat(151)}€${'a'.repeat(153)}`)).toEqual({ encoding: 'GSM-7', units: 306, segments: 2 });
  });

  it('never splits a surrogate pair across two parts (an emoji at a boundary moves to the next part)', () => {
    expect(smsSegments(`${'á'.repeat(66)}😀${'á'.repeat(66)}`)).toEqual({ encoding: 'UCS-2', units: 134, segments: 3 });
    expect(smsSegments(`${'á'.repeat(65)}😀${'á'.repeat(67)}`)).toEqual({ encoding: 'UCS-2', units: 134, segments: 2 });
  });

  it('counts plain GSM text as the carriers do: one part up to 160, then 153 a part', () => {
    const gsm = fc.constantFrom(...'abcXYZ0129 .,!?@£$¥èéñü\n');
    fc.assert(
      fc.property(fc.array(gsm, { maxLength: 700 }), (chars) => {
        const n = chars.length;
        const expected = n === 0 ? 0 : n <= 160 ? 1 : Math.ceil(n / 153);
        expect(smsSegments(chars.join(''))).toEqual({ encoding: 'GSM-7', units: n, segments: expected });
      }),
    );
  });

  it('never counts fewer parts than the units need, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (body) => {
        const size = smsSegments(body);
        const single = size.encoding === 'GSM-7' ? 160 : 70;
        const part = size.encoding === 'GSM-7' ? 153 : 67;
        if (size.units === 0) expect(size.segments).toBe(0);
        else if (size.units <= single) expect(size.segments).toBe(1);
        else expect(size.segments).toBeGreaterThanOrEqual(Math.ceil(size.units / part));
        if (size.encoding === 'UCS-2') expect(size.units).toBe(body.length);
      }),
    );
  });
});
