import { z } from 'zod';
import { VmId } from './vms';

export const ConsoleKind = z.enum(['vnc', 'serial']);
export type ConsoleKind = z.infer<typeof ConsoleKind>;

/** The WebSocket subprotocol prefix that carries a console ticket (never the URL: URLs get logged). */
export const CONSOLE_TICKET_PROTOCOL_PREFIX = 'hangar.console.';
/** Console sockets live at `${CONSOLE_PATH}/<vmId>` on the engine's WebSocket server. */
export const CONSOLE_PATH = '/console';

/** Close codes a console socket ends with, so the viewer knows whether to reconnect. */
export const CONSOLE_CLOSE = {
  /** The VM stopped, rebooted into a new QEMU, migrated, or the host dropped: reconnect. */
  ENDED: 4000,
  /** Another window took this console over: do not reconnect. */
  TAKEN_OVER: 4009,
  /** Closed on purpose (page closed, VM removed, engine stopping). */
  CLOSED: 4010,
  /** Forged, reused, expired, or for another VM. */
  BAD_TICKET: 4401,
} as const;

export const ConsoleSerialDevice = z.object({
  /** libvirt's device alias (`serial0`, `console1`), what console.open takes as `device`. */
  name: z.string(),
  kind: z.enum(['serial', 'console']),
  /** pty, file, unix, tcp… only pty consoles can be attached. */
  type: z.string(),
});

export const ConsoleInfo = z.object({
  vmId: VmId,
  running: z.boolean(),
  /** The first graphics device; null when the domain has none (offer the serial console). */
  graphics: z.object({ type: z.string(), supported: z.boolean() }).nullable(),
  serials: z.array(ConsoleSerialDevice),
  /** Consoles of this VM already open in a Hangar window. */
  open: z.object({ vnc: z.boolean(), serial: z.boolean() }),
});
export type ConsoleInfo = z.infer<typeof ConsoleInfo>;

export const OpenConsoleParams = z
  .object({
    vmId: VmId,
    kind: ConsoleKind,
    /** Serial only: the device alias; default the domain's first console. */
    device: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/).optional(),
    /** Close this VM's console in any other window and take it over. */
    takeOver: z.boolean().default(false),
    /** Serial only: attach even when another client (virsh console, virt-manager) holds the console. */
    force: z.boolean().default(false),
  })
  .strict();

export const ConsoleTicket = z.object({
  ticket: z.string(),
  vmId: VmId,
  kind: ConsoleKind,
  device: z.string().nullable(),
  /** ws(s) origin to connect to, or null for the origin the UI was served from. */
  origin: z.string().nullable(),
  path: z.string(),
  expiresAt: z.number(),
});
export type ConsoleTicket = z.infer<typeof ConsoleTicket>;

export const SshCommand = z.object({
  /** The command to paste, or null when no address is known (reason says why). */
  command: z.string().nullable(),
  addresses: z.array(z.object({ nic: z.string(), mac: z.string(), ip: z.string(), source: z.enum(['agent', 'lease']) })),
  reason: z.string().nullable(),
});
export type SshCommand = z.infer<typeof SshCommand>;
export type ConsoleSerialDevice = z.infer<typeof ConsoleSerialDevice>;

/** A small still of the VM's screen for the Overview (issue 19): the image's bytes, base64. */
export const ConsoleThumbnail = z.object({
  mime: z.enum(['image/png', 'image/x-portable-pixmap']),
  data: z.string(),
});
export type ConsoleThumbnail = z.infer<typeof ConsoleThumbnail>;
