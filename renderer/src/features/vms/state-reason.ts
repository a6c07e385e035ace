import type { MessageKey } from '../../i18n/translate';

/** libvirt's state reasons Hangar has words for; any other is shown as libvirt says it. */
const REASONS = new Set(['booted', 'migrated', 'restored', 'from snapshot', 'unpaused', 'user', 'shutdown', 'destroyed', 'crashed', 'saved', 'failed', 'I/O error', 'watchdog', 'panicked', 'daemon', 'wakeup', 'migrating', 'saving']);

/** libvirt's reason for a VM's state in the user's language, where Hangar knows it. */
export function stateReasonText(t: (key: MessageKey) => string, reason: string): string {
  return REASONS.has(reason) ? t(`vm.reason.${reason.replace(/[^A-Za-z]/g, '')}` as MessageKey) : reason;
}
