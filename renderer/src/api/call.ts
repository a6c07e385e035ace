import type { MethodName, MethodParams, MethodResult } from '../../../engine/contract';
import { HangarError } from '../../../engine/contract/errors';
import { useEngine } from '../stores/engine-store';

/**
 * The one way the typed API modules (renderer/src/api/<area>.ts) reach the engine. Components
 * never call the transport themselves: they call a function of their area's API module, which
 * names what it does and carries the contract's types to the screen.
 */
export function call<M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResult<M>> {
  const client = useEngine.getState().client;
  if (!client) return Promise.reject(new HangarError('UNREACHABLE', 'Not connected to the engine'));
  return client.call(method, params);
}
