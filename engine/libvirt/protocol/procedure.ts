/**
 * A procedure definition: program, number, and the codecs of its argument and return structs.
 * The RPC client needs nothing else to make a typed call.
 *
 * XDR has no framing of its own, so a struct with a single member encodes exactly like that member;
 * such args and rets are declared as the member's codec and callers get the value itself.
 */
import { voidCodec, type Codec } from '../codec';
import { REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION } from './constants';

export interface ProcedureDef<A, R> {
  readonly name: string;
  readonly program: number;
  readonly version: number;
  readonly proc: number;
  readonly args: Codec<A>;
  readonly ret: Codec<R>;
}

export type ArgsOf<P> = P extends ProcedureDef<infer A, unknown> ? A : never;
export type RetOf<P> = P extends ProcedureDef<unknown, infer R> ? R : never;

/** A procedure of the REMOTE program. Void args/ret default to the empty codec. */
export function remoteProc<A = void, R = void>(
  name: string,
  proc: number,
  args?: Codec<A>,
  ret?: Codec<R>,
): ProcedureDef<A, R> {
  return {
    name,
    program: REMOTE_PROGRAM,
    version: REMOTE_PROTOCOL_VERSION,
    proc,
    args: (args ?? voidCodec) as Codec<A>,
    ret: (ret ?? voidCodec) as Codec<R>,
  };
}
