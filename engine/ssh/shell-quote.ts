import { HangarError } from '../contract/errors';

/**
 * THE way any argument reaches a remote shell. sshd hands an exec request to the user's login
 * shell as one string (`$SHELL -c "<string>"`), so every argument must be quoted; Hangar assumes a
 * POSIX shell (sh, bash, dash, zsh, ash) on the hosts it manages.
 *
 * Each argument becomes one word, in POSIX single quotes, where nothing is special except the
 * closing quote itself; a single quote inside is written as `'\''` (close, escaped quote, reopen).
 * Words made only of characters no POSIX shell treats specially are left bare, for readable logs,
 * except a word that starts with `-` (it reads as an option in a log; quoting does not stop a
 * program taking it as one, which is why host commands put `--` before positional arguments) or
 * with `=` (zsh expands `=cmd` to a path).
 */
const SAFE_WORD = /^[A-Za-z0-9_@%+:,./][A-Za-z0-9_@%+=:,./-]*$/;

function quote(arg: string, bareIfSafe: boolean): string {
  if (arg.includes('\0')) {
    // A NUL byte cannot travel through a C string to the remote shell: it would silently truncate.
    throw new HangarError('INVALID_PARAMS', 'A shell argument cannot contain a NUL byte');
  }
  if (bareIfSafe && arg.length > 0 && SAFE_WORD.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

export function shellQuoteArg(arg: string): string {
  return quote(arg, true);
}

/** Quotes each argument and joins them into one command line: `shellQuote(['ls', '-l', dir])`. */
export function shellQuote(args: readonly string[]): string {
  if (args.length === 0) throw new HangarError('INVALID_PARAMS', 'An empty command cannot be run');
  // A bare `NAME=value` first word would be an environment assignment, not the command.
  return args.map((a, i) => quote(a, i > 0 || !a.includes('='))).join(' ');
}
