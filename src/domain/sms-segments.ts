// How many SMS segments a body takes on a customer's phone (GSM 03.38 or UCS-2), so that no
// message we render is split into more than two parts. Pure.

// The GSM 7-bit default alphabet (one septet each); any character outside it and the extension
// table forces UCS-2 for the whole message.
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
// The extension table: two septets each (an escape, then the character).
const GSM_EXTENSION = new Set('^{}\\[~]|€\f');

/** What we send: two segments at most, so a message never arrives in pieces on an old phone nor costs more. */
export const MAX_SMS_SEGMENTS = 2;

const GSM_SINGLE = 160;
const GSM_PART = 153; // 7 septets of each concatenated part go to the user data header
const UCS2_SINGLE = 70;
const UCS2_PART = 67;

export interface SmsSize {
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  /** septets (GSM-7) or UTF-16 code units (UCS-2) */
  units: number;
}

/**
 * Phones never split an escape sequence or a surrogate pair across two parts, so a part may hold
 * one unit less than its size; counting character by character gets that right where
 * `ceil(units / 153)` would not.
 */
function countParts(sizes: readonly number[], total: number, single: number, part: number): number {
  if (total === 0) return 0;
  if (total <= single) return 1;
  let parts = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > part) {
      parts += 1;
      used = 0;
    }
    used += size;
  }
  return parts;
}

export function smsSegments(body: string): SmsSize {
  const septets: number[] = [];
  let gsm = true;
  for (const char of body) {
    if (GSM_BASIC.has(char)) septets.push(1);
    else if (GSM_EXTENSION.has(char)) septets.push(2);
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) {
    const units = septets.reduce((sum, size) => sum + size, 0);
    return { encoding: 'GSM-7', units, segments: countParts(septets, units, GSM_SINGLE, GSM_PART) };
  }
  // UCS-2 as phones send it (really UTF-16): a character outside the BMP, e.g. an emoji, is two units.
  const sizes = Array.from(body, (char) => char.length);
  return { encoding: 'UCS-2', units: body.length, segments: countParts(sizes, body.length, UCS2_SINGLE, UCS2_PART) };
}
