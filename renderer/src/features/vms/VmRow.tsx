import { Fragment, memo, useEffect, useRef, useState } from 'react';
import type { Host, Vm, VmAction } from '../../../../engine/contract';
import { formatBytes, formatKiB } from '../../components/format';
import { formatPercent, Sparkline, UsageBar } from '../../components/UsageBar';
import type { Translate } from '../../i18n/translate';
import { navigate } from '../../stores/route-store';
import { isFresh, useUsage } from '../../stores/usage-store';
import { whyNot } from './action-rules';
import { listActionsFor } from './list-actions-by-state';
import { stateReasonText } from './state-reason';
import type { VmColumn } from './vm-columns';
import { VmHostCell } from './VmWhere';
import { LastSeenState } from './LastSeen';

export interface RowContext {
  t: Translate;
  lang: string;
  intervalSec: number;
  hostName: (id: string) => string;
  /** Hosts (names) of the other VMs with this name, when there are any. */
  twins: (vm: Vm) => string[];
  act: (vm: Vm, action: VmAction) => void;
  /** The VM's host, for a VM shown from what was last seen (refreshing, or out of reach). */
  host?: (id: string) => Host | undefined;
}

const live = (vm: Vm) => vm.state === 'running' || vm.state === 'paused';

/** CPU in use, from the live samples: a trail and the newest figure (only this row re-renders). */
function CpuCell({ vm, ctx }: { vm: Vm; ctx: RowContext }) {
  const u = useUsage((s) => s.vm[vm.id]);
  if (!live(vm) || !isFresh(u, ctx.intervalSec) || u.cpu === null) return <span className="muted">—</span>;
  return (
    <span className="cpu-cell" data-testid="vm-cpu" data-cpu={u.cpu.toFixed(2)} title={ctx.t('vms.cpuOf', { vcpus: vm.vcpus })}>
      <Sparkline values={u.cpuTrail} />
      <span>{formatPercent(u.cpu, ctx.lang)}</span>
    </span>
  );
}

function MemCell({ vm, ctx }: { vm: Vm; ctx: RowContext }) {
  const u = useUsage((s) => s.vm[vm.id]);
  if (!live(vm) || !isFresh(u, ctx.intervalSec) || u.memUsed === null) return <span className="muted">—</span>;
  const total = u.memTotal ?? vm.memoryKiB * 1024;
  return (
    <span data-testid="vm-mem" data-mem-used={u.memUsed} data-mem-total={total}>
      <UsageBar fraction={total ? u.memUsed / total : 0} label={`${formatBytes(u.memUsed, ctx.lang)} / ${formatBytes(total, ctx.lang)}`} />
    </span>
  );
}

/** The primary action as a button, the other valid ones in a menu. */
function ActionsCell({ vm, ctx }: { vm: Vm; ctx: RowContext }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, [open]);
  const { primary, others } = listActionsFor(vm.state);
  return (
    <span className="row-menu" ref={ref}>
      {primary ? (
        <button type="button" className="btn btn-small" data-testid={`vm-row-${primary}`} onClick={() => ctx.act(vm, primary)}>
          {ctx.t(`vm.action.${primary}`)}
        </button>
      ) : (
        <span className="muted small" data-testid="vm-row-no-action" title={ctx.t(whyNot('start', vm.state) ?? 'vm.why.busy', { action: ctx.t('vm.action.start'), state: ctx.t(`vm.state.${vm.state}`) })}>
          —
        </span>
      )}
      {others.length > 0 && (
        <button type="button" className="btn btn-small kebab" aria-haspopup="menu" aria-expanded={open} aria-label={ctx.t('vms.moreActions', { name: vm.name })} data-testid="vm-row-more" onClick={() => setOpen((o) => !o)}>
          ⋮
        </button>
      )}
      {open && (
        <span className="menu" role="menu" data-testid="vm-row-menu">
          {others.map((a) => (
            <button
              key={a}
              type="button"
              role="menuitem"
              data-testid={`vm-row-menu-${a}`}
              onClick={() => {
                setOpen(false);
                ctx.act(vm, a);
              }}
            >
              {ctx.t(`vm.action.${a}`)}
            </button>
          ))}
        </span>
      )}
    </span>
  );
}

function cell(id: VmColumn, vm: Vm, ctx: RowContext) {
  switch (id) {
    case 'name': {
      const twins = ctx.twins(vm);
      return (
        <span role="cell" className="strong name-cell" translate="no" title={vm.description ? `${vm.name}\n${vm.description}` : vm.name}>
          <a href={`#/vms/${encodeURIComponent(vm.id)}`} className="ellipsis" onClick={(e) => { e.preventDefault(); navigate('vms', vm.id); }}>
            {vm.name}
          </a>
          {twins.length > 0 && (
            <span className="badge twin" data-testid="vm-twin" title={ctx.t('vms.twin', { hosts: twins.join(', ') })}>
              @{ctx.hostName(vm.hostId)}
            </span>
          )}
        </span>
      );
    }
    case 'title':
      return (
        <span role="cell" className="ellipsis user-text" data-testid="vm-title" title={[vm.title, vm.description].filter(Boolean).join('\n') || undefined}>
          {vm.title ?? ''}
        </span>
      );
    case 'state':
      if (vm.lastSeen) {
        return (
          <span role="cell">
            <LastSeenState vm={{ ...vm, lastSeen: vm.lastSeen }} host={ctx.host?.(vm.hostId)} t={ctx.t} hostName={ctx.hostName(vm.hostId)} stacked />
          </span>
        );
      }
      return (
        <span role="cell">
          <span className={`badge vm-${vm.state}`} data-testid="vm-state" title={vm.stateReason ?? (vm.libvirtReason ? stateReasonText(ctx.t, vm.libvirtReason) : undefined)}>
            {ctx.t(`vm.state.${vm.state}`)}
          </span>
        </span>
      );
    case 'host':
      return <VmHostCell vm={vm} hostName={ctx.hostName} t={ctx.t} />;
    case 'ip':
      return (
        <span role="cell" className="ellipsis mono small" data-testid="vm-ip" title={vm.addresses.join('\n') || undefined}>
          {vm.addresses[0] ?? ''}
          {vm.addresses.length > 1 && <span className="muted"> +{vm.addresses.length - 1}</span>}
        </span>
      );
    case 'cpu':
      return <span role="cell"><CpuCell vm={vm} ctx={ctx} /></span>;
    case 'memUse':
      return <span role="cell"><MemCell vm={vm} ctx={ctx} /></span>;
    case 'vcpus':
      return <span role="cell">{vm.vcpus}</span>;
    case 'memory':
      return <span role="cell">{formatKiB(vm.memoryKiB, ctx.lang)}</span>;
    case 'actions':
      return <span role="cell"><ActionsCell vm={vm} ctx={ctx} /></span>;
  }
}

/** One VM's row; memoised so a keystroke that keeps a row in view does not redraw it. */
export const VmRow = memo(function VmRow({ vm, columns, template, selected, onToggle, ctx }: { vm: Vm; columns: readonly VmColumn[]; template: string; selected: boolean; onToggle: (id: string) => void; ctx: RowContext }) {
  return (
    <div className="vrow" role="row" style={{ gridTemplateColumns: template }} data-testid="vm-row" data-vm-name={vm.name} data-vm-id={vm.id} data-state={vm.state} data-stale={vm.lastSeen ? 'true' : undefined}>
      <span role="cell">
        <input type="checkbox" aria-label={vm.name} checked={selected} onChange={() => onToggle(vm.id)} />
      </span>
      {columns.map((id) => (
        <Fragment key={id}>{cell(id, vm, ctx)}</Fragment>
      ))}
    </div>
  );
});
