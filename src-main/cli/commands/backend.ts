// `moduli backend`: which compute backend a run would use on this machine, on which device, and why each
// better one was passed over (the same ladder and notices a run records; README "Compute backends").
import { Command, Option } from 'commander';
import { BACKENDS, type Backend } from '../../schema/experiment';

export function backendCommand(): Command {
  return new Command('backend')
    .description('which compute backend (and GPU) a run would use here, and why the better ones were passed over')
    .addOption(new Option('--backend <backend>', 'the backend a config asks for').choices([...BACKENDS]).default('auto'))
    .option('--json', 'print the selection as JSON')
    .action(async (o: { backend: Backend; json?: boolean }) => {
      const [{ selectBackend }, { deviceLabel }, { blasLookup }, { blasInstallHint }] = await Promise.all([
        import('../../engine/backend'),
        import('../../engine/webgpu'),
        import('../../engine/blas/runtime'),
        import('../../engine/blas/native-blas'),
      ]);
      const selected = await selectBackend(o.backend);
      // On the CPU (wasm) backend, matrix products go through the platform BLAS where one is found.
      const lookup = selected.active === 'wasm' ? blasLookup() : null;
      const info = {
        ...selected,
        ...(lookup?.blas ? { blas: lookup.blas.label, blasPath: lookup.blas.path } : {}),
        notices: [...selected.notices, ...(lookup && !lookup.blas ? [`blas: ${lookup.reason}${lookup.tried.length ? `; ${blasInstallHint()}` : ''}`] : [])],
      };
      if (o.json) return void process.stdout.write(JSON.stringify(info, null, 2) + '\n');
      const device = deviceLabel({
        ...info,
        threads: info.threads ?? (info.active === 'wasm' ? Math.min(8, (await import('node:os')).availableParallelism()) : undefined),
      });
      process.stdout.write(`backend ${info.active}${device ? ` on ${device}` : ''}${info.gpu ? ' (GPU)' : ' (CPU)'}\n`);
      for (const n of info.notices) process.stdout.write(`  note: ${n}\n`);
    });
}
