import { z } from 'zod';
import { SnapshotIndication } from '../contract/snapshots';

/**
 * Hangar marks its own snapshots with one line at the end of the snapshot's description (libvirt's
 * snapshot XML has no metadata element of its own): what it knows only at creation — whether the
 * guest was quiesced and OpenShift-style indications. A snapshot without the line was made outside
 * Hangar (virsh). The description comes from a host: it is parsed as untrusted text.
 */
const PREFIX = 'hangar-snapshot:';

const Mark = z.object({ v: z.literal(1), quiesced: z.boolean().nullable(), indications: z.array(SnapshotIndication).max(4) });
export type SnapshotMark = Omit<z.infer<typeof Mark>, 'v'>;

export function describeWithMark(text: string | undefined, mark: SnapshotMark): string {
  const line = PREFIX + JSON.stringify({ v: 1, ...mark });
  return text?.trim() ? `${text.trim()}\n${line}` : line;
}

export function readMark(description: string | null): { text: string | null; mark: SnapshotMark | null } {
  if (!description) return { text: null, mark: null };
  const lines = description.split('\n');
  const last = lines[lines.length - 1]!.trim();
  if (!last.startsWith(PREFIX)) return { text: description, mark: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(last.slice(PREFIX.length));
  } catch {
    return { text: description, mark: null };
  }
  const ok = Mark.safeParse(parsed);
  if (!ok.success) return { text: description, mark: null };
  const text = lines.slice(0, -1).join('\n').trim();
  return { text: text || null, mark: { quiesced: ok.data.quiesced, indications: ok.data.indications } };
}
