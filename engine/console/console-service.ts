/**
 * Console bridges: a VM's VNC server or serial console, reached on its host through the host's
 * existing connection (SSH forward or libvirt stream), joined to one WebSocket from a Hangar window.
 *
 * `open` does the slow and fallible part first (reach the endpoint, authenticate, attach the
 * console), so a person sees a clear error instead of a viewer that never connects; what it opened
 * waits behind a single-use ticket until the window's socket arrives. One bridge per VM and kind:
 * a second window takes over deliberately or is refused.
 */
import type { Duplex } from 'node:stream';
import { createWebSocketStream, type WebSocket } from 'ws';
import { CONSOLE_CLOSE, CONSOLE_PATH, type ConsoleInfo, type ConsoleKind, type ConsoleTicket, type ConsoleThumbnail, type OpenConsoleParams, type SshCommand } from '../contract/console';
import { HangarError } from '../contract/errors';
import type { Vm } from '../contract/vms';
import type { z } from 'zod';
import { opScope } from '../common/abort';
import type { FleetLinks } from '../hosts/fleet';
import { parseConsoleEndpoints, parseDomainXml } from '../xml/domain-read';
import type { VmInventory } from '../inventory/vm-inventory';
import { ConsoleFlag, DomainXmlFlag, type DomainRef } from '../libvirt';
import type { Logger } from '../logger';
import { ConsoleTickets } from './console-tickets';
import { acceptViewer, authenticateToServer } from './rfb-handshake';
import { readScreenshot, screenshotMime } from './screenshot';
import { lookupAddresses, sshCommandFor } from './ssh-command';

type OpenParams = z.output<typeof OpenConsoleParams>;

/** States in which a QEMU process (and so a console) exists. */
const LIVE_STATES: ReadonlySet<Vm['state']> = new Set(['running', 'paused', 'starting', 'stopping', 'migrating']);
const HANDSHAKE_MS = 10_000;
const THUMBNAIL_TIMEOUT_MS = 10_000;
/** A full-HD PPM is 6 MiB; anything bigger is not a screen. */
const THUMBNAIL_MAX_BYTES = 8 * 1024 * 1024;
const WILDCARD = new Set(['0.0.0.0', '::', '']);

class Bridge {
  private viewer: WebSocket | null = null;
  private ended = false;
  /** The ticket it was issued under: the window that holds it can close it by that, also once attached. */
  ticket: string | null = null;

  constructor(
    readonly vmId: string,
    readonly kind: ConsoleKind,
    private readonly upstream: Duplex,
    private readonly onEnd: (b: Bridge) => void,
  ) {
    upstream.once('end', () => this.close(CONSOLE_CLOSE.ENDED, 'console ended'));
    upstream.once('close', () => this.close(CONSOLE_CLOSE.ENDED, 'console ended'));
    upstream.once('error', () => this.close(CONSOLE_CLOSE.ENDED, 'console ended'));
  }

  async attach(ws: WebSocket): Promise<void> {
    if (this.ended) return ws.close(CONSOLE_CLOSE.ENDED, 'console ended');
    this.viewer = ws;
    const viewer = createWebSocketStream(ws);
    viewer.on('error', () => this.close(CONSOLE_CLOSE.CLOSED, 'viewer gone'));
    ws.once('close', () => this.close(CONSOLE_CLOSE.CLOSED, 'viewer gone'));
    if (this.kind === 'vnc') {
      const scope = opScope(HANDSHAKE_MS);
      try {
        await acceptViewer(viewer, scope.signal);
      } catch {
        return this.close(CONSOLE_CLOSE.CLOSED, 'viewer handshake failed');
      } finally {
        scope.dispose();
      }
    }
    // Not ending each other: the bridge closes both, with a code that tells the viewer why.
    viewer.pipe(this.upstream, { end: false });
    this.upstream.pipe(viewer, { end: false });
  }

  close(code: number, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.upstream.destroy();
    if (this.viewer && this.viewer.readyState <= 1) this.viewer.close(code, reason);
    this.onEnd(this);
  }
}

export class ConsoleService {
  private readonly bridges = new Map<string, Bridge>();
  private readonly tickets = new ConsoleTickets<Bridge>((b) => b.close(CONSOLE_CLOSE.CLOSED, 'ticket expired'));

  constructor(
    private readonly hosts: FleetLinks,
    private readonly inventory: Pick<VmInventory, 'get'>,
    private readonly logger: Logger,
    /** Where windows reach the console sockets, when not at the origin that served the UI (Electron). */
    private readonly origin: () => string | null,
  ) {}

  async info(vmId: string): Promise<ConsoleInfo> {
    const vm = this.vm(vmId);
    const running = LIVE_STATES.has(vm.state);
    const open = { vnc: this.bridges.has(key(vmId, 'vnc')), serial: this.bridges.has(key(vmId, 'serial')) };
    const conn = this.hosts.libvirt(vm.hostId);
    const dom = domRef(vm);
    const ep = parseConsoleEndpoints(await conn.domainGetXmlDesc(dom, running ? 0 : DomainXmlFlag.INACTIVE));
    const g = ep.graphics[0];
    return { vmId, running, graphics: g ? { type: g.type, supported: g.type === 'vnc' } : null, serials: ep.serials, open };
  }

  async open(p: OpenParams, signal: AbortSignal): Promise<ConsoleTicket> {
    const vm = this.vm(p.vmId);
    if (!LIVE_STATES.has(vm.state)) throw new HangarError('CONFLICT', `${vm.name} is not running: start it to open its console`, { notRunning: true });
    const k = key(vm.id, p.kind);
    const existing = this.bridges.get(k);
    if (existing && !p.takeOver) throw new HangarError('CONFLICT', `The console of ${vm.name} is open in another window`, { inUse: true });
    existing?.close(CONSOLE_CLOSE.TAKEN_OVER, 'taken over by another window');

    const scope = opScope(HANDSHAKE_MS + 5_000, signal);
    let upstream: Duplex | null = null;
    try {
      const conn = this.hosts.libvirt(vm.hostId);
      const dom = domRef(vm);
      let device: string | null = null;
      if (p.kind === 'vnc') {
        const ep = parseConsoleEndpoints(await conn.domainGetXmlDesc(dom, DomainXmlFlag.SECURE));
        const g = ep.graphics[0];
        if (!g) throw new HangarError('NOT_FOUND', `${vm.name} has no graphical console; use its serial console`, { noGraphics: true });
        if (g.type !== 'vnc') throw new HangarError('UNSUPPORTED', `${vm.name} has a ${g.type.toUpperCase()} display; Hangar shows VNC consoles (use the serial console or an external viewer)`, { graphicsType: g.type });
        const target = g.socket ? { socket: g.socket } : g.port && g.port > 0 ? { host: WILDCARD.has(g.listen ?? '') ? '127.0.0.1' : (g.listen ?? '127.0.0.1'), port: g.port } : null;
        if (!target) throw new HangarError('CONFLICT', `${vm.name} has no VNC port: is it still starting?`, { notRunning: true });
        upstream = await this.hosts.dial(vm.hostId, target, scope.signal);
        await authenticateToServer(upstream, g.password, scope.signal);
      } else {
        device = p.device ?? null;
        try {
          upstream = await conn.domainOpenConsole(dom, device, p.force ? ConsoleFlag.FORCE : 0);
        } catch (err) {
          const e = HangarError.from(err);
          if (/active console session/i.test(e.message)) throw new HangarError('CONFLICT', `Another client (virsh console, virt-manager…) is attached to this console`, { heldElsewhere: true });
          throw e;
        }
      }
      const bridge = new Bridge(vm.id, p.kind, upstream, (b) => {
        if (this.bridges.get(k) === b) this.bridges.delete(k);
      });
      this.bridges.set(k, bridge);
      const { ticket, expiresAt } = this.tickets.issue(vm.id, bridge);
      bridge.ticket = ticket;
      return { ticket, vmId: vm.id, kind: p.kind, device, origin: this.origin(), path: `${CONSOLE_PATH}/${encodeURIComponent(vm.id)}`, expiresAt };
    } catch (err) {
      upstream?.destroy();
      throw HangarError.from(err);
    } finally {
      scope.dispose();
    }
  }

  /** A window's console socket arrived: join it to the bridge its ticket names, or refuse it. */
  attach(vmId: string, ticket: string, ws: WebSocket): void {
    const bridge = this.tickets.take(ticket, vmId);
    if (!bridge) {
      this.logger.warn('console socket refused: bad ticket', { vmId });
      ws.close(CONSOLE_CLOSE.BAD_TICKET, 'invalid or expired console ticket');
      return;
    }
    bridge.attach(ws).catch((err: unknown) => this.logger.warn('console attach failed', { vmId, error: String(err) }));
  }

  /** A still of the screen for the Overview's thumbnail: one bounded stream, no console bridge. */
  async thumbnail(vmId: string, signal: AbortSignal): Promise<ConsoleThumbnail> {
    const vm = this.vm(vmId);
    if (!LIVE_STATES.has(vm.state)) throw new HangarError('CONFLICT', `${vm.name} is not running`);
    const bytes = await readScreenshot(this.hosts.libvirt(vm.hostId), domRef(vm), signal, THUMBNAIL_TIMEOUT_MS, THUMBNAIL_MAX_BYTES);
    const mime = screenshotMime(bytes);
    if (!mime) throw new HangarError('UNSUPPORTED', 'The host sent a screenshot in a format Hangar cannot show');
    return { mime, data: bytes.toString('base64') };
  }

  async sshCommand(vmId: string): Promise<SshCommand> {
    const vm = this.vm(vmId);
    if (!LIVE_STATES.has(vm.state)) return { command: null, addresses: [], reason: `${vm.name} is not running` };
    const conn = this.hosts.libvirt(vm.hostId);
    const dom = domRef(vm);
    const [addresses, xml] = await Promise.all([lookupAddresses((source) => conn.domainInterfaceAddresses(dom, source)), conn.domainGetXmlDesc(dom, 0)]);
    return sshCommandFor(addresses, parseDomainXml(xml).nics, this.hosts.sshDestination(vm.hostId));
  }

  /** With a ticket: the window that asked for it went away before connecting; free the console now, not at expiry. */
  close(vmId: string, kind: ConsoleKind, ticket?: string): boolean {
    if (ticket !== undefined) {
      // Waiting for its socket, or already attached: either way only the window holding the ticket
      // closes it, so a window tearing its own session down never closes another window's.
      const b = this.tickets.take(ticket, vmId) ?? this.bridges.get(key(vmId, kind));
      if (!b || b.ticket !== ticket) return false;
      b.close(CONSOLE_CLOSE.CLOSED, 'closed');
      return true;
    }
    const b = this.bridges.get(key(vmId, kind));
    b?.close(CONSOLE_CLOSE.CLOSED, 'closed');
    return !!b;
  }

  closeAll(): void {
    this.tickets.clear();
    for (const b of [...this.bridges.values()]) b.close(CONSOLE_CLOSE.CLOSED, 'engine stopping');
  }

  private vm(id: string): Vm {
    const vm = this.inventory.get(id);
    if (!vm) throw new HangarError('NOT_FOUND', `No VM ${id}`);
    return vm;
  }
}

const key = (vmId: string, kind: ConsoleKind): string => `${kind}|${vmId}`;
/** libvirt finds a domain by the UUID in a handle: no lookup round trip before the call that matters. */
const domRef = (vm: Vm): DomainRef => ({ name: vm.name, uuid: vm.uuid, id: -1 });
