// What happens after the sends, played against the running engine as the providers and the
// customers would: signed SendGrid events and Twilio callbacks posted to the webhooks, SMS
// replies (a STOP, a HELP, questions), an agent completing a call. Used by npm run demo.
import type { Pool } from '../db/pool.js';
import { seededRandom } from '../synthetic/portfolio.js';
import { signEventWebhook, twilioSignature } from '../synthetic/provider-signing.js';

export interface DemoActivityDeps {
  pool: Pool;
  webUrl: string;
  publicBaseUrl: string;
  adminToken: string;
  sendgridPrivateKeyPem: string;
  twilioAuthToken: string;
  customerPrefix: string;
}

export interface DemoActivity {
  emailEvents: number;
  smsCallbacks: number;
  replies: string[];
  tasksCompleted: number;
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<void> {
  const res = await fetch(url, { method: 'POST', body, headers });
  if (!res.ok) throw new Error(`POST ${url} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
}

export async function playProviderActivity(deps: DemoActivityDeps): Promise<DemoActivity> {
  const random = seededRandom(99);
  const like = `${deps.customerPrefix}%`;
  const emails = await deps.pool.query<{ delivery_id: number; intervention_id: number; customer_id: string }>(
    "select delivery_id, intervention_id, customer_id from deliveries where channel = 'email' and status in ('outbox', 'sent') and customer_id like $1 order by delivery_id",
    [like],
  );
  // SendGrid: delivered for most, then opens and clicks; a few bounces and unsubscribes.
  const now = Math.floor(Date.now() / 1000);
  const events = emails.rows.flatMap((e) => {
    const base = { email: `${e.customer_id.toLowerCase()}@example.com`, timestamp: now, delivery_id: String(e.delivery_id), intervention_id: String(e.intervention_id), customer_id: e.customer_id };
    const id = (name: string) => ({ ...base, event: name, sg_event_id: `demo-${name}-${e.delivery_id}` });
    const roll = random();
    if (roll < 0.02) return [id('processed'), { ...id('bounce'), type: 'bounce', reason: '550 5.1.1 The email account does not exist' }];
    const list: Record<string, string | number>[] = [id('processed'), id('delivered')];
    if (roll < 0.5) list.push(id('open'));
    if (roll < 0.14) list.push({ ...id('click'), url: 'http://localhost/help' });
    if (roll > 0.99) list.push(id('unsubscribe'));
    return list;
  });
  for (let i = 0; i < events.length; i += 500) {
    const payload = JSON.stringify(events.slice(i, i + 500));
    await post(`${deps.webUrl}/webhooks/sendgrid`, payload, { 'content-type': 'application/json', ...signEventWebhook(payload, deps.sendgridPrivateKeyPem) });
  }

  // Twilio: status callbacks for every SMS, signed over the public URL Twilio would call.
  const sms = await deps.pool.query<{ delivery_id: number; customer_id: string; phone: string }>(
    `select d.delivery_id, d.customer_id, c.phone from deliveries d join customers c using (customer_id)
      where d.channel = 'sms' and d.status in ('outbox', 'sent') and d.customer_id like $1 order by d.delivery_id`,
    [like],
  );
  const signed = async (path: string, params: Record<string, string>) =>
    post(`${deps.webUrl}${path}`, new URLSearchParams(params).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(deps.twilioAuthToken, `${deps.publicBaseUrl}${path}`, params),
    });
  for (const s of sms.rows) {
    const failed = random() < 0.03;
    await signed(`/webhooks/twilio/status?delivery_id=${s.delivery_id}`, {
      MessageSid: `SMdemo${s.delivery_id}`,
      MessageStatus: failed ? 'undelivered' : 'delivered',
      ...(failed ? { ErrorCode: '30003' } : {}),
    });
  }
  // Replies from the first customers texted: STOP, HELP, and questions for an agent.
  const replies = ['STOP', 'HELP', 'Can I move my payment to the 15th?', '¿Me pueden llamar mañana?'];
  for (const [n, body] of replies.entries()) {
    const from = sms.rows[n];
    if (from) await signed('/webhooks/twilio/inbound', { MessageSid: `SMreply${n}`, From: from.phone, To: '+15005550006', Body: body });
  }

  // An agent works the first open call task of the day.
  const admin = { authorization: `Bearer ${deps.adminToken}`, 'content-type': 'application/json' };
  const list = (await (await fetch(`${deps.webUrl}/agent_tasks?status=open&limit=1`, { headers: admin })).json()) as { tasks: { task_id: number }[] };
  let tasksCompleted = 0;
  const task = list.tasks[0];
  if (task) {
    await post(`${deps.webUrl}/agent_tasks/${task.task_id}/claim`, JSON.stringify({ agent: 'demo-agent' }), admin);
    await post(`${deps.webUrl}/agent_tasks/${task.task_id}/complete`, JSON.stringify({ agent: 'demo-agent', response_type: 'accepted_offer', notes: 'agreed a payment holiday' }), admin);
    tasksCompleted = 1;
  }
  return { emailEvents: events.length, smsCallbacks: sms.rows.length, replies: replies.slice(0, Math.min(replies.length, sms.rows.length)), tasksCompleted };
}
