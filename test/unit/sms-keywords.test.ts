// SMS keywords: every opt-out, opt-in and help keyword of the lists, however a phone writes it
// (case, accents, full-width forms, punctuation and spaces around or inside), and nothing else.
import { describe, expect, it } from 'vitest';
import { HELP_KEYWORDS, START_KEYWORDS, STOP_KEYWORDS, inboundKeyword, type InboundKeyword } from '../../src/domain/sms-keywords.js';

const fullWidth = (text: string) => text.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
const capitalised = (text: string) => text.charAt(0) + text.slice(1).toLowerCase();
/** The ways one keyword arrives from a phone. */
const writings = (word: string) => [word, word.toLowerCase(), capitalised(word), fullWidth(word), ` ${word} `, `${word}.`, `${word}!!`, `"${word}"`, `${word} 🙏`, `${word}\n`];

describe('inboundKeyword', () => {
  const lists: [InboundKeyword, readonly string[]][] = [['stop', STOP_KEYWORDS], ['start', START_KEYWORDS], ['help', HELP_KEYWORDS]];
  for (const [keyword, words] of lists) {
    for (const word of words) {
      it(`takes ${word} as ${keyword}, however it is written`, () => {
        for (const written of writings(word)) expect(inboundKeyword(written), JSON.stringify(written)).toBe(keyword);
      });
    }
  }

  it.each([
    ['Spanish ALTO', 'ALTO', 'stop'],
    ['Spanish alto, lower case', 'alto', 'stop'],
    ['French ARRÊT, composed', 'ARR\u00caT', 'stop'],
    ['French arrêt, decomposed', 'arre\u0302t', 'stop'],
    ['French ARRET without the accent', 'ARRET', 'stop'],
    ['full-width ＳＴＯＰ', 'ＳＴＯＰ', 'stop'],
    ['full-width ｓｔｏｐ', 'ｓｔｏｐ', 'stop'],
    ['STOP ALL with a space', 'STOP ALL', 'stop'],
    ['opt-out with a hyphen', 'opt-out', 'stop'],
    ['OPT OUT with a space', 'OPT OUT', 'stop'],
    ['Unsubscribe.', 'Unsubscribe.', 'stop'],
    ['Bája with a stray accent', 'Bája', 'stop'],
    ['opt in', 'opt in', 'start'],
    ['Ayuda', 'Ayuda', 'help'],
    ['AIDE', 'aide', 'help'],
    ['a sentence with stop in it', 'please stop texting me', 'other'],
    ['STOPPED', 'STOPPED', 'other'],
    ['ALTOS', 'ALTOS', 'other'],
    ['a Spanish yes', 'Sí', 'other'],
    ['an English no', 'no', 'other'],
    ['a question', 'can I pay on Friday?', 'other'],
    ['nothing', '', 'other'],
    ['digits only', '12345', 'other'],
    ['a NUL replaced', 'ST\ufffdOP', 'stop'],
    ['a long message ending in STOP', `${'a'.repeat(80)} STOP`, 'other'],
  ] as const)('%s → %s', (_what, body, expected) => {
    expect(inboundKeyword(body)).toBe(expected);
  });
});
