// The headless entry point: `npx moduli <command>`. Every GUI action has a command here.
import { Command, CommanderError } from 'commander';
import { geometryCommand } from './commands/geometry';
import { runsCommand } from './commands/runs';
import { serveCommand } from './commands/serve';
import { studyCommand } from './commands/study';
import { trainCommand } from './commands/train';
import { exitWithError } from './errors';

const program = new Command('moduli')
  .description('Moduli Workbench: geometric sparsification of recurrent neural networks (headless CLI)')
  .version(process.env.npm_package_version ?? '0.1.0')
  .showHelpAfterError('(add --help for usage)')
  .exitOverride();

program.addCommand(geometryCommand());
program.addCommand(trainCommand());
program.addCommand(runsCommand());
program.addCommand(serveCommand());
program.addCommand(studyCommand());
for (const c of program.commands) c.exitOverride().showHelpAfterError('(add --help for usage)');

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  exitWithError(err);
}
