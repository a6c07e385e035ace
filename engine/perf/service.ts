import type { Logger } from '../logger';
import type { Service } from '../rpc/service';
import { parseWorkerCount } from '../xml/parse-pool';
import { eventLoop } from './event-loop';

/**
 * `engine.perf`: the engine thread's event-loop delay over a rolling window, recent stalls with
 * what was running, and the engine's memory. The monitor runs whenever the engine does (it costs
 * one timer per second), so a stall is logged even when nobody watches.
 */
export function perfService(deps: { logger: Logger }): Service {
  eventLoop.start(deps.logger);
  return {
    name: 'perf',
    handlers: {
      'engine.perf': async () => {
        const m = process.memoryUsage();
        return {
          eventLoop: eventLoop.stats(),
          stalls: eventLoop.recentStalls(),
          activities: eventLoop.current(),
          memory: { rssBytes: m.rss, heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal, externalBytes: m.external },
          parseWorkers: parseWorkerCount(),
          at: Date.now(),
        };
      },
    },
  };
}
