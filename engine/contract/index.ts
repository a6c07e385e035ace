/**
 * THE API of Hangar. The renderer imports nothing from the engine but this folder.
 * Bump CONTRACT_VERSION on any incompatible change of a method, topic or envelope.
 */
export const CONTRACT_VERSION = 1;

export * from './errors';
export * from './message';
export * from './jobs';
export * from './envelope';
export * from './collection';
export * from './settings';
export * from './engine-info';
export * from './hosts';
export * from './vms';
export * from './events-history';
export * from './console';
export * from './diagnostics';
export * from './metrics';
export * from './methods';
export * from './events';
export * from './placement';
export * from './migration';
export * from './storage';
export * from './networks';
export * from './clone';
export * from './snapshots';
export * from './library';
export * from './transfer';
export * from './engine-perf';
export * from './pools';
export * from './api-tokens';
