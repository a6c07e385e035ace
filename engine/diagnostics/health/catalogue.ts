import raw from '../../../resources/health-checks.json';
import { HealthCheck } from '../../contract/diagnostics';
import { z } from 'zod';

/** The catalogue is data (resources/health-checks.json), validated once when the engine loads it. */
const Catalogue = z.object({
  version: z.number(),
  params: z.object({
    poolWarnFreePct: z.number(),
    poolCriticalFreePct: z.number(),
    memoryOvercommitRatio: z.number(),
    cpuOvercommitRatio: z.number(),
    clockSkewSec: z.number(),
    certWarnDays: z.number(),
    certCriticalDays: z.number(),
    migrationFailures: z.number(),
    migrationWindowHours: z.number(),
  }),
  checks: z.array(HealthCheck),
});
export type CatalogueParams = z.infer<typeof Catalogue>['params'];

export const CATALOGUE = Catalogue.parse(raw);
export const CHECKS = new Map(CATALOGUE.checks.map((c) => [c.id, c]));
