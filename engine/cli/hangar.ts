import { HangarError } from '../contract/errors';
import { SERVE_USAGE, serveCommand } from './serve-command';
import { GATHER_USAGE, gatherCommand } from './gather-command';
import { SNAPSHOT_USAGE, snapshotCommand } from './snapshot-command';
import { UPLOAD_USAGE, uploadCommand } from './upload-command';
import { LEASE_USAGE, POOLS_USAGE, leaseCommand, poolsCommand } from './lease-command';
import { LIBRARY_USAGE, libraryCommand } from './library-command';

const USAGE = `Usage: hangar <command> [options]

Commands:
  serve     serve the Hangar UI to a browser (hangar serve --help)
  gather    collect a diagnostics bundle from hosts (hangar gather --help)
  snapshot  list, take, revert and delete VM snapshots (hangar snapshot --help)
  upload    stream an image file into a host's storage pool (hangar upload --help)
  lease     get, release and list disposable VMs (hangar lease --help)
  pools     list pools of disposable VMs, import the seed's .dynvmservice.ini (hangar pools --help)
  library   list, upload, register, copy and delete templates and ISOs (hangar library --help)
`;

/** `hangar` command line: the headless entry point of the engine. */
async function main(argv: string[]): Promise<void> {
  // better-sqlite3 13 crashes Node 20 with a segfault: say so in one line before it can.
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) {
    console.error(`hangar: needs Node.js 22 or newer, this is ${process.version}: use \`npm start\` (it fetches Node 22), or \`. .ci/node.sh\` first`);
    process.exit(1);
  }
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serveCommand(rest);
    case 'gather':
      return gatherCommand(rest);
    case 'snapshot':
      return snapshotCommand(rest);
    case 'upload':
      return uploadCommand(rest);
    case 'lease':
      return leaseCommand(rest);
    case 'pools':
      return poolsCommand(rest);
    case 'library':
      return libraryCommand(rest);
    case undefined:
    case '-h':
    case '--help':
      console.log(USAGE + '\n' + SERVE_USAGE + '\n\n' + GATHER_USAGE + '\n\n' + SNAPSHOT_USAGE + '\n\n' + UPLOAD_USAGE + '\n\n' + LEASE_USAGE + '\n\n' + POOLS_USAGE + '\n\n' + LIBRARY_USAGE);
      return;
    default:
      console.error(`hangar: unknown command '${command}'\n\n${USAGE}`);
      process.exit(2);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const e = HangarError.from(err);
  console.error(`hangar: ${e.message}`);
  process.exit(e.code === 'FORBIDDEN' || e.code === 'INVALID_PARAMS' ? 2 : 1);
});
