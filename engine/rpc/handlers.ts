import type { MethodName, MethodParamsParsed, MethodResult } from '../contract/methods';

export interface CallContext {
  signal: AbortSignal;
}

/** One async function per contract method; the session validates params before calling it. */
export type Handlers = {
  [M in MethodName]: (params: MethodParamsParsed<M>, ctx: CallContext) => Promise<MethodResult<M>>;
};
