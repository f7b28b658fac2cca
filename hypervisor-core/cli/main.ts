/**
 * Entry point of the `hyperscope` command. Bad input ends with a one-line message and a
 * distinct exit status, never a stack trace.
 */
import { parseRunArgs, USAGE, UsageError } from './args';
import { ExitStatus, runCommand } from './run-command';
import { parseReportArgs, REPORT_USAGE, reportCommand } from './report-command';
import { parseServeArgs, SERVE_USAGE, serveCommand } from './serve-command';
import { VM_USAGE, vmCommand } from './vm-command';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return command === undefined ? ExitStatus.USAGE : ExitStatus.OK;
  }
  if (command === '--version') {
    process.stdout.write('hyperscope 0.1.0\n');
    return ExitStatus.OK;
  }
  if (command === 'report') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(REPORT_USAGE + '\n');
      return ExitStatus.OK;
    }
    process.stdout.write(reportCommand(parseReportArgs(rest)));
    return ExitStatus.OK;
  }
  if (command === 'serve' || command === 'vm') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write((command === 'serve' ? SERVE_USAGE : VM_USAGE) + '\n');
      return ExitStatus.OK;
    }
    return command === 'serve' ? serveCommand(parseServeArgs(rest)) : vmCommand(rest);
  }
  if (command !== 'run') throw new UsageError(`unknown command '${command}' (try: hyperscope run <kernel>, hyperscope serve, hyperscope vm, hyperscope report <trace>)`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return ExitStatus.OK;
  }
  return runCommand(parseRunArgs(rest));
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
    // Output may still be draining; exit once it has.
    process.stdout.write('', () => process.exit(status));
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`hyperscope: ${e.message}\n`);
      process.exit(ExitStatus.USAGE);
    }
    process.stderr.write(`hyperscope: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exit(ExitStatus.VM_ERROR);
  },
);
