// The headless entry point: `npx moduli <command>`. Every GUI action has a command here.
import { Command, CommanderError } from 'commander';
import { backendCommand } from './commands/backend';
import { baselinesCommand } from './commands/baselines';
import { geometryCommand } from './commands/geometry';
import { runsCommand } from './commands/runs';
import { serveCommand } from './commands/serve';
import { studyCommand } from './commands/study';
import { trainCommand } from './commands/train';
import { exitWithError } from './errors';

// `moduli … | head` closes stdout early: that is the reader's choice, not a failure (no EPIPE stack trace).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
}

const program = new Command('moduli')
  .description('Moduli Workbench: geometric sparsification of recurrent neural networks (headless CLI)')
  .version(process.env.npm_package_version ?? '0.1.0')
  .showHelpAfterError('(add --help for usage)')
  .exitOverride();

// Usage errors found by commander (unknown option, a value outside the choices) read like ours: one
// `moduli: …` line, exit code 2.
const output = { writeErr: (text: string) => process.stderr.write(text.startsWith('error: ') ? `moduli: ${text.slice(7)}` : text) };
program.configureOutput(output);

program.addCommand(geometryCommand());
program.addCommand(trainCommand());
program.addCommand(runsCommand());
program.addCommand(serveCommand());
program.addCommand(studyCommand());
program.addCommand(backendCommand());
program.addCommand(baselinesCommand());
const configure = (c: Command) => {
  c.exitOverride().showHelpAfterError('(add --help for usage)').configureOutput(output);
  c.commands.forEach(configure);
};
program.commands.forEach(configure);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    const done = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code);
    process.exit(done ? 0 : 2);
  }
  exitWithError(err);
}
