/**
 * The core's one entry point: the adapters (Electron main, the loopback server,
 * the CLI) import the core only from here. Lint enforces it.
 */
export { createCore, type Core, type CoreOptions } from './core';
export { listHosts } from './hosts/inventory';
export { writeAnsibleInventory } from './hosts/ansible';
export { Guard } from './guard/guard';
export { readRunbookText } from './workspace/runbook-text';
export { verifyJournal } from './journal/verify';
export { writeFileAtomic } from './files/atomic-write';
export { envTokens, type TokenSource } from './trackers/trackers';
export {
  findStep,
  journalOf,
  readPart,
  stepText,
  runOutput,
  type OutputPart,
  type RunOutput,
} from './journal/step-output';
export { resolveDirs } from './paths';
export { asciicast } from './journal/asciicast';
export { workspaceRedaction } from './redaction/config';
export { bundleCheck, verifyBundle, writeBundle, type BundleCheck } from './journal/bundle';
