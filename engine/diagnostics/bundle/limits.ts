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
   * Unpacked / packed. Text and logs gzip 5–30×; zeros reach 1000×. Checked once a bundle has
   * unpacked past `ratioAfterBytes`, so small, very regular bundles still open.
   */
  maxRatio: 200,
  ratioAfterBytes: 256 * 1024 * 1024,
  /** The .tar.gz itself. */
  fileBytes: 1024 * 1024 * 1024,
} as const;
