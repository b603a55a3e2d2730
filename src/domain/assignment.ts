// Which strategy a customer falls in: weighted rendezvous hashing over the strategies' names,
// keyed by the experiment's salt. Pure and deterministic: the same customer, strategies and salt
// give the same answer on every call, machine and batch.
import { createHash } from 'node:crypto';

export interface Arm {
  name: string;
  /** a positive share; shares are relative, so weights need not sum to 100 */
  weight: number;
}

const TWO_TO_48 = 2 ** 48;

/**
 * The customer's draw for one arm, in (0, 1): the first 48 bits of sha256(`${salt}:${name}:${id}`),
 * centred in its step so that it is never 0 (whose logarithm is infinite). Names cannot contain
 * ':' (see strategyNameSchema), so (name, id) pairs cannot collide.
 */
export function armDraw(customerId: string, armName: string, salt: string): number {
  const digest = createHash('sha256').update(`${salt}:${armName}:${customerId}`).digest();
  return (digest.readUIntBE(0, 6) + 0.5) / TWO_TO_48;
}

/**
 * The arm the customer falls in. Each arm scores -ln(draw) / weight, an exponential variable of
 * rate `weight`; the smallest of independent exponentials is arm i's with probability
 * weight_i / Σ weights, so each arm gets its normalised weight of the customers. Unlike cutting
 * [0, 1) into consecutive intervals, every arm's score is independent of the other arms:
 * adding an arm only takes customers into it, retiring one only sends its own customers to the
 * others, and changing a weight moves customers only into or out of that arm.
 */
export function assignArm<T extends Arm>(customerId: string, arms: readonly T[], salt: string): T {
  let chosen: T | undefined;
  let best = Infinity;
  for (const arm of arms) {
    const score = -Math.log(armDraw(customerId, arm.name, salt)) / arm.weight;
    // Ties (never seen in practice with 48-bit draws) go to the first name in sort order.
    if (score < best || (score === best && chosen !== undefined && arm.name < chosen.name)) {
      best = score;
      chosen = arm;
    }
  }
  if (!chosen) throw new Error('assignArm needs at least one arm');
  return chosen;
}
