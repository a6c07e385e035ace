import fs from 'node:fs';
import { LAB_JSON_PATH, readLabInfo, type LabInfo } from '../lab/lab-info';

/** The lab for e2e specs, or why there is none (then the spec skips saying so). */
export function labOrReason(): { lab: LabInfo } | { reason: string } {
  if (process.getuid?.() !== 0) return { reason: 'needs the hypervisor lab, which needs root' };
  if (!fs.existsSync(LAB_JSON_PATH)) return { reason: `needs the hypervisor lab up (npm run lab:up); no ${LAB_JSON_PATH}` };
  return { lab: readLabInfo() };
}
