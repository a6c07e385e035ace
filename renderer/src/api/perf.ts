import { call } from './call';

/** The engine thread's event-loop delay and the engine's memory (Diagnostics, Engine tab). */
export const enginePerf = () => call('engine.perf', {});
