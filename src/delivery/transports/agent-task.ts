// The phone channel: an agent call task, due at decision time + the type's "contact within",
// holding the call script.
import { insertCallTasks } from '../../db/agent-tasks.js';
import type { LocalTransport } from '../transport.js';

export const agentTaskTransport: LocalTransport<'phone'> = {
  kind: 'local',
  channel: 'phone',
  provider: 'agent_task',
  settlesAs: 'sent',
  async write(db, ready) {
    await insertCallTasks(
      db,
      ready.map(({ work, message }) => ({ deliveryId: work.deliveryId, interventionId: work.interventionId, customerId: work.customer.customerId, dueAt: work.contactBy, script: message })),
    );
  },
};
