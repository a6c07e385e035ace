import type { FleetLinks } from '../hosts/fleet';
import type { VmInventory } from '../inventory/vm-inventory';
import type { Logger } from '../logger';
import type { Service } from '../rpc/service';
import { ConsoleService } from './console-service';

/** Consoles: tickets for VNC and serial bridges, thumbnails, and the SSH command line that reaches a guest. */
export function consoleService(deps: { fleet: FleetLinks; inventory: VmInventory; logger: Logger; origin: () => string | null }): Service & { readonly consoles: ConsoleService } {
  const consoles = new ConsoleService(deps.fleet, deps.inventory, deps.logger, deps.origin);
  return {
    name: 'console',
    consoles,
    handlers: {
      'vms.sshCommand': (p) => consoles.sshCommand(p.vmId),
      'console.info': (p) => consoles.info(p.vmId),
      'console.open': (p, ctx) => consoles.open(p, ctx.signal),
      'console.thumbnail': (p, ctx) => consoles.thumbnail(p.vmId, ctx.signal),
      'console.close': async (p) => ({ closed: consoles.close(p.vmId, p.kind, p.ticket) }),
    },
    close: () => consoles.closeAll(),
  };
}
