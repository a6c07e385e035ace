import type { Snapshot } from '../contract/snapshots';

type Node = Omit<Snapshot, 'children' | 'depth' | 'current'>;

/**
 * libvirt's flat list as a tree in display order: each root, then its children depth first,
 * siblings oldest first (as `virsh snapshot-list --tree` shows them). A parent that is not in the
 * list (metadata removed by hand) makes its child a root rather than hiding it.
 */
export function snapshotTree(nodes: readonly Node[], current: string | null): Snapshot[] {
  const names = new Set(nodes.map((n) => n.name));
  const kids = new Map<string | null, Node[]>();
  for (const n of nodes) {
    const p = n.parent && names.has(n.parent) ? n.parent : null;
    kids.set(p, [...(kids.get(p) ?? []), n]);
  }
  const order = (a: Node, b: Node) => (a.createdAt ?? 0) - (b.createdAt ?? 0) || a.name.localeCompare(b.name);
  const out: Snapshot[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const n of [...(kids.get(parent) ?? [])].sort(order)) {
      out.push({ ...n, parent: parent, depth, current: n.name === current, children: [...(kids.get(n.name) ?? [])].sort(order).map((c) => c.name) });
      walk(n.name, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

/** The snapshot and everything below it. */
export function subtree(list: readonly Snapshot[], name: string): string[] {
  const byName = new Map(list.map((s) => [s.name, s]));
  const out: string[] = [];
  const walk = (n: string) => {
    out.push(n);
    for (const c of byName.get(n)?.children ?? []) walk(c);
  };
  if (byName.has(name)) walk(name);
  return out;
}
