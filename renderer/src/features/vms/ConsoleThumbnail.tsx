import { useEffect, useRef, useState } from 'react';
import type { ConsoleThumbnail as Thumb } from '../../../../engine/contract';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { consoleThumbnail } from '../../api/console';

const REFRESH_MS = 5000;
const W = 320;
const H = 200;

/** PPM (P6, 8-bit) to pixels: what libvirt sends where QEMU cannot write PNG. */
function ppmToImageData(bytes: Uint8Array): ImageData | null {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 64));
  const m = /^P6\s+(?:#[^\n]*\s+)*(\d+)\s+(\d+)\s+(\d+)\s/.exec(head);
  if (!m || Number(m[3]) !== 255) return null;
  const w = Number(m[1]);
  const h = Number(m[2]);
  const off = m[0].length;
  if (w <= 0 || h <= 0 || w * h > 4096 * 4096 || bytes.length < off + w * h * 3) return null;
  const out = new ImageData(w, h);
  for (let i = 0, j = off; i < w * h; i++, j += 3) {
    out.data[i * 4] = bytes[j]!;
    out.data[i * 4 + 1] = bytes[j + 1]!;
    out.data[i * 4 + 2] = bytes[j + 2]!;
    out.data[i * 4 + 3] = 255;
  }
  return out;
}

async function draw(canvas: HTMLCanvasElement, t: Thumb): Promise<void> {
  const bin = atob(t.data);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  // Decoded into a bitmap, never a data: URL, so the page's CSP needs no img-src exception.
  let source: CanvasImageSource;
  let sw: number;
  let sh: number;
  if (t.mime === 'image/png') {
    const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    [source, sw, sh] = [bmp, bmp.width, bmp.height];
  } else {
    const img = ppmToImageData(bytes);
    if (!img) return;
    const bmp = await createImageBitmap(img);
    [source, sw, sh] = [bmp, bmp.width, bmp.height];
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const scale = Math.min(W / sw, H / sh);
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, W, H);
  ctx.drawImage(source, (W - sw * scale) / 2, (H - sh * scale) / 2, sw * scale, sh * scale);
}

/**
 * A live still of the VM's screen, refreshed every few seconds while the page is visible; a
 * click opens the Console tab.
 */
export function ConsoleThumbnail({ vmId, running, onOpen }: { vmId: string; running: boolean; onOpen: () => void }) {
  const t = useT();
  const client = useEngine((s) => s.client);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [shown, setShown] = useState(false);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (!client || !running) return;
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      if (document.visibilityState !== 'visible') return void (timer = setTimeout(tick, REFRESH_MS));
      consoleThumbnail(vmId)
        .then(async (r) => {
          if (stop || !canvas.current) return;
          await draw(canvas.current, r);
          setShown(true);
          setFailed(false);
        })
        .catch(() => !stop && setFailed(true))
        .finally(() => {
          if (!stop) timer = setTimeout(tick, REFRESH_MS);
        });
    };
    tick();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [client, vmId, running]);
  return (
    <button type="button" className="thumb" data-testid="vm-thumbnail" data-drawn={shown ? 'yes' : 'no'} onClick={onOpen} aria-label={t('vm.ov.openConsole')} title={t('vm.ov.openConsole')}>
      <canvas ref={canvas} width={W} height={H} hidden={!running} />
      {!running && <span className="muted">{t('vm.ov.noScreen')}</span>}
      {running && failed && !shown && <span className="muted">{t('vm.ov.screenFailed')}</span>}
    </button>
  );
}
