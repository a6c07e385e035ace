import { methods, type MethodName } from '../contract/methods';
import type { Handlers } from './handlers';

/**
 * A capability as the engine composes it: the contract methods it answers (each typed by the
 * contract, so a handler cannot drift from its method), the background work it runs, and what it
 * lets go of at shutdown. Topics it feeds are defined on the hub when the service is built.
 */
export interface Service {
  readonly name: string;
  readonly handlers: Partial<Handlers>;
  /** Runs once every service is built and listening: the fleet connects its hosts here. */
  open?(): Promise<void>;
  /**
   * Background work — timers, samplers, pollers. Long-lived engines (the app, `hangar serve`) start
   * it; a one-shot command (`hangar gather`) leaves it out and still has every method.
   */
  start?(): void;
  close?(): Promise<void> | void;
}

/** Which service answers each method: composition fails at start, naming the method, if one has none or two. */
export function composeHandlers(services: readonly Service[]): { handlers: Handlers; owners: Record<MethodName, string> } {
  const handlers: Partial<Record<MethodName, unknown>> = {};
  const owners: Partial<Record<MethodName, string>> = {};
  for (const s of services) {
    for (const m of Object.keys(s.handlers) as MethodName[]) {
      if (!(m in methods)) throw new Error(`Service ${s.name} answers ${m}, which is not in the contract`);
      if (owners[m]) throw new Error(`Method ${m} is answered by both ${owners[m]} and ${s.name}`);
      owners[m] = s.name;
      handlers[m] = s.handlers[m];
    }
  }
  const missing = (Object.keys(methods) as MethodName[]).filter((m) => !owners[m]);
  if (missing.length) throw new Error(`No service answers ${missing.join(', ')}`);
  return { handlers: handlers as Handlers, owners: owners as Record<MethodName, string> };
}
