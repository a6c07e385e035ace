import { z } from 'zod';
import { Message } from './message';

/** One entry of the persisted history of a host or VM: libvirt's events and Hangar's own tasks. */
export const HistoryEvent = z.object({
  id: z.number().int(),
  at: z.number(),
  hostId: z.string().nullable(),
  vmUuid: z.string().nullable(),
  severity: z.enum(['info', 'warning', 'error']),
  message: Message,
});
export type HistoryEvent = z.infer<typeof HistoryEvent>;
