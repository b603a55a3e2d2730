// How many SMS segments a body takes (GSM 03.38 or UCS-2), so that no message we render is
// split into more than two parts on a customer's phone. Pure.

// The GSM 7-bit default alphabet; any other character forces UCS-2 for the whole message.
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
// The extension table: each costs two septets (an escape, then the character).
const GSM_EXTENSION = new Set('^{}\\[~]|€\f');

export interface SmsSize {
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  /** septets (GSM-7) or UTF-16 code units (UCS-2) */
  units: number;
}

export function smsSegments(body: string): SmsSize {
  let septets = 0;
  let gsm = true;
  for (const char of body) {
    if (GSM_BASIC.has(char)) septets += 1;
    else if (GSM_EXTENSION.has(char)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return { encoding: 'GSM-7', units: septets, segments: septets === 0 ? 0 : septets <= 160 ? 1 : Math.ceil(septets / 153) };
  const units = body.length; // UTF-16 code units: an emoji counts two
  return { encoding: 'UCS-2', units, segments: units <= 70 ? 1 : Math.ceil(units / 67) };
}
