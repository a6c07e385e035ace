/**
 * Text a guest (or any host-side party Hangar does not control) reported, made fit to show: no
 * control characters (a terminal escape, a newline that forges a second line in a log), no
 * invisible format characters (a right-to-left override that reverses what a reader sees, a
 * zero-width space that makes two names look alike), and a length cap so one answer cannot flood
 * a screen or a log. What it returns is for display only: never build a command line from it.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cs}]/gu;

export function displayText(value: string, maxLength = 64): string {
  const clean = value.replace(INVISIBLE, '').trim();
  if (clean.length <= maxLength) return clean;
  let out = '';
  for (const ch of clean) {
    // Whole code points only: half a surrogate pair would render as a replacement character.
    if (out.length + ch.length > maxLength) break;
    out += ch;
  }
  return out;
}
