// Filled in by the database test support: prepares a migrated template database once per run.
export default async function setup(): Promise<void> {}
