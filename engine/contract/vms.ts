import { z } from 'zod';

/** DESIGN §5: the states a person sees, the same everywhere. */
export const DISPLAY_STATES = [
  'running',
  'stopped',
  'paused',
  'suspended',
  'starting',
  'stopping',
  'migrating',
  'crashed',
  'error',
  'unknown',
] as const;
export const DisplayState = z.enum(DISPLAY_STATES);
export type DisplayState = z.infer<typeof DisplayState>;

export const VmId = z.string().min(1).max(128);

export const Vm = z.object({
  /** `${hostId}:${uuid}`: a UUID is unique per host, not across a fleet of copies. */
  id: VmId,
  hostId: z.string(),
  uuid: z.string(),
  name: z.string(),
  title: z.string().nullable(),
  state: DisplayState,
  /** Why, when libvirt says (e.g. "shut off: crashed"), or the error for `error`. */
  stateReason: z.string().nullable(),
  vcpus: z.number().int(),
  memoryKiB: z.number(),
  osType: z.string().nullable(),
  arch: z.string().nullable(),
  disks: z.number().int(),
  nics: z.number().int(),
  hasGraphics: z.boolean(),
  labels: z.record(z.string(), z.string()),
  group: z.string().nullable(),
  origin: z.string().nullable(),
  /** True when Hangar's metadata is on it; false for domains other tools made. */
  managedByHangar: z.boolean(),
});
export type Vm = z.infer<typeof Vm>;

export const VM_ACTIONS = ['start', 'startPaused', 'shutdown', 'forceOff', 'reboot', 'reset', 'pause', 'resume'] as const;
export const VmAction = z.enum(VM_ACTIONS);
export type VmAction = z.infer<typeof VmAction>;
