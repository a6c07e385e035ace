import type { MethodParams } from '../../../engine/contract';
import { call } from './call';

/** Diagnostics: gather a bundle, open and read bundles, and the health checks. */

export const gatherDiagnostics = (params: MethodParams<'diagnostics.gather'>) => call('diagnostics.gather', params);

export const listBundles = () => call('diagnostics.listBundles', {});

export const openBundle = (path: string) => call('diagnostics.openBundle', { path });

export const bundleTree = (bundleId: string) => call('diagnostics.bundleTree', { bundleId });

export const bundleFile = (bundleId: string, path: string) => call('diagnostics.bundleFile', { bundleId, path });

export const bundleDomains = (bundleId: string) => call('diagnostics.bundleDomains', { bundleId });

export const searchBundleLogs = (q: MethodParams<'diagnostics.searchLogs'>) => call('diagnostics.searchLogs', q);

export const healthCatalogue = () => call('health.catalogue', {});

export const runHealthChecks = () => call('health.run', {});
