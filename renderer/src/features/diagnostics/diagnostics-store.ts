import { useEffect } from 'react';
import { create } from 'zustand';
import type { Alert, Finding, HealthCheck, Language, Severity } from '../../../../engine/contract';
import { createCollectionStore } from '../../stores/collection-store';
import { useEngine } from '../../stores/engine-store';
import { healthCatalogue } from '../../api/diagnostics';

const alerts = createCollectionStore<Alert>();
export const useAlertStore = alerts.useStore;
let boundTo: unknown = null;

/** Active alerts; subscribes the first time a component asks for them. */
export function useAlerts(): Alert[] {
  const client = useEngine((s) => s.client);
  useEffect(() => {
    if (client && boundTo !== client) {
      boundTo = client;
      alerts.bind(client, 'alerts');
    }
  }, [client]);
  return Object.values(useAlertStore((s) => s.byId));
}

/** The health-check catalogue (English and Korean texts), fetched once. */
export const useCatalogue = create<{ checks: Record<string, HealthCheck> }>(() => ({ checks: {} }));
let catalogueAsked = false;

export function useCheck(): (id: string) => HealthCheck | undefined {
  const client = useEngine((s) => s.client);
  const checks = useCatalogue((s) => s.checks);
  useEffect(() => {
    if (!client || catalogueAsked) return;
    catalogueAsked = true;
    healthCatalogue()
      .then((r) => useCatalogue.setState({ checks: Object.fromEntries(r.checks.map((c) => [c.id, c])) }))
      .catch(() => {
        catalogueAsked = false;
      });
  }, [client]);
  return (id) => checks[id];
}

export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

export function fill(text: string, evidence: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (m, k: string) => evidence[k] ?? m);
}

/** A finding's title and remediation in the user's language, placeholders filled. */
export function describeFinding(check: HealthCheck | undefined, f: Finding, lang: Language): { title: string; remediation: string } {
  if (!check) return { title: f.checkId, remediation: '' };
  return { title: fill(check.title[lang], f.evidence), remediation: fill(check.remediation[lang], f.evidence) };
}
