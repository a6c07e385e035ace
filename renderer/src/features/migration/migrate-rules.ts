import type { DisplayState } from '../../../../engine/contract';
import { whyNot, type WhyNot } from '../vms/action-rules';

/**
 * Why a VM cannot be migrated now (an i18n key taking `{action}` and `{state}`), or null. A running
 * VM migrates live and a stopped one moves offline, so it needs what Delete needs: a settled VM
 * (not starting, stopping or migrating already) on a host that answers.
 */
export const whyNotMigrate = (state: DisplayState): WhyNot | null => whyNot('delete', state);
