// What a customer's SMS reply asks for, when it is a keyword: stop (opt out), start (opt back
// in), help; anything else is a reply for an agent. The lists are the industry's, in every
// language our messages are written in (English, Spanish) and French, which carriers in North
// America honour too:
//   opt-out  CTIA's universal keywords STOP, END, CANCEL, UNSUBSCRIBE, QUIT; Twilio's defaults add
//            STOPALL, REVOKE, OPTOUT; carriers' lists add REMOVE and OPT-OUT; French ARRET (ARRÊT);
//            Spanish ALTO, PARAR, PARA, BAJA, DETENER, CANCELAR, ANULAR.
//   opt-in   Twilio's defaults START, UNSTOP, YES, and OPTIN; Spanish ALTA, INICIAR (not SÍ: a
//            Spanish "yes" to a message is a reply for an agent, and Twilio does not take it as one).
//   help     CTIA's HELP and INFO; Spanish AYUDA; French AIDE.
// A keyword is the whole message. It is compared after NFKD normalisation (full-width ＳＴＯＰ
// is STOP, a ligature is its letters), with accents, case and everything that is not a letter
// (spaces, punctuation, digits, emoji) removed: "Stop!", "opt-out", "STOP ALL" and "Arrêt" all count.

export type InboundKeyword = 'stop' | 'start' | 'help' | 'other';

export const STOP_KEYWORDS = ['STOP', 'END', 'CANCEL', 'UNSUBSCRIBE', 'QUIT', 'STOPALL', 'REVOKE', 'OPTOUT', 'REMOVE', 'ARRET', 'ALTO', 'PARAR', 'PARA', 'BAJA', 'DETENER', 'CANCELAR', 'ANULAR'] as const;
export const START_KEYWORDS = ['START', 'UNSTOP', 'YES', 'OPTIN', 'ALTA', 'INICIAR'] as const;
export const HELP_KEYWORDS = ['HELP', 'INFO', 'AYUDA', 'AIDE'] as const;

const KEYWORDS = new Map<string, InboundKeyword>([
  ...STOP_KEYWORDS.map((word) => [word, 'stop'] as const),
  ...START_KEYWORDS.map((word) => [word, 'start'] as const),
  ...HELP_KEYWORDS.map((word) => [word, 'help'] as const),
]);

/** The letters of a message, as keywords are compared: NFKD, no marks, upper case, nothing but letters. */
export function keywordForm(body: string): string {
  return body
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/\P{L}/gu, '');
}

export function inboundKeyword(body: string): InboundKeyword {
  // A long message is a conversation, not a keyword: no need to normalise all of it.
  if (body.length > 64) return 'other';
  return KEYWORDS.get(keywordForm(body)) ?? 'other';
}
