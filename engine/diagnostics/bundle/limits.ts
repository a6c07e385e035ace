/**
 * What a bundle may hold. The writer keeps within these and the viewer refuses what exceeds them,
 * so a hostile archive (a decompression bomb) is turned away before it costs memory or disk.
 */
export const BUNDLE_LIMITS = {
  /** One file, unpacked: larger logs are cut to their tail by the writer. */
  entryBytes: 64 * 1024 * 1024,
  /** Everything unpacked. */
  totalBytes: 2 * 1024 * 1024 * 1024,
  /** Files in one bundle (each costs an index entry in memory). */
  entries: 200_000,
  /**
   * Unpacked / packed. Logs with timestamps gzip 5–50×; deflate tops out near 1032× (zeros, one
   * line repeated). Checked once a bundle has unpacked past `ratioAfterBytes`, so a small, very
   * regular bundle still opens while a bomb is stopped after a few hundred ms of work.
   */
  maxRatio: 400,
  ratioAfterBytes: 64 * 1024 * 1024,
  /** The .tar.gz itself. */
  fileBytes: 1024 * 1024 * 1024,
} as const;
