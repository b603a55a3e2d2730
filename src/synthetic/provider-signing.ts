// Signing webhook requests as SendGrid and Twilio do, so that the demo (and the tests) can
// send the engine real signed events: SendGrid's ECDSA P-256 over timestamp + body; Twilio's
// HMAC-SHA1 over URL + sorted parameters, computed by the official SDK.
import { createSign, generateKeyPairSync } from 'node:crypto';
import twilio from 'twilio';

/** A key pair as SendGrid's signed event webhook uses; the public key as SendGrid shows it (base64 DER). */
export function eventWebhookKeys(): { publicKey: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export function signEventWebhook(payload: string, privateKeyPem: string, timestamp = String(Math.floor(Date.now() / 1000))): Record<string, string> {
  const signer = createSign('SHA256');
  signer.update(timestamp + payload);
  return {
    'X-Twilio-Email-Event-Webhook-Signature': signer.sign(privateKeyPem).toString('base64'),
    'X-Twilio-Email-Event-Webhook-Timestamp': timestamp,
  };
}

export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}
