// What the lab's global setup provides to Vitest tests (inject('hangarLabBroughtUp')).
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** true when this run's global setup brought the lab up (and will take it down) */
    hangarLabBroughtUp: boolean;
    /** the holder id (pid) under which this run acquired the shared lab */
    hangarLabHolder: number;
  }
}
