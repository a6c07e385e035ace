import { z } from 'zod';
import { ErrorData } from './errors';

/**
 * The envelope is identical on every transport (Electron IPC, WebSocket, in-process).
 * `type` tells the messages apart; the rest is DESIGN §2.
 */
export const RequestId = z.union([z.string().min(1).max(128), z.number().int()]);
export type RequestId = z.infer<typeof RequestId>;

export const RequestMsg = z.object({
  type: z.literal('request'),
  id: RequestId,
  method: z.string().max(128),
  params: z.unknown().optional(),
});
export const SubscribeMsg = z.object({
  type: z.literal('subscribe'),
  id: RequestId,
  topic: z.string().max(128),
  filter: z.record(z.string(), z.string()).optional(),
});
export const UnsubscribeMsg = z.object({ type: z.literal('unsubscribe'), id: RequestId });
/** Cancels an in-flight request (not a job: `jobs.cancel` does that). */
export const CancelMsg = z.object({ type: z.literal('cancel'), id: RequestId });

export const ClientMsg = z.discriminatedUnion('type', [RequestMsg, SubscribeMsg, UnsubscribeMsg, CancelMsg]);
export type ClientMsg = z.infer<typeof ClientMsg>;
export type RequestMsg = z.infer<typeof RequestMsg>;
export type SubscribeMsg = z.infer<typeof SubscribeMsg>;

export type ResponseMsg =
  | { type: 'response'; id: RequestId | null; ok: true; result: unknown }
  | { type: 'response'; id: RequestId | null; ok: false; error: ErrorData };

/** `sub` is the id of the subscribe message the event answers. */
export type EventMsg = { type: 'event'; sub: RequestId; topic: string; payload: unknown; seq: number };

export type ServerMsg = ResponseMsg | EventMsg;
