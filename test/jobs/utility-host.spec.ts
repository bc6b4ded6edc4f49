// The Electron utilityProcess host, with Electron faked only at that boundary.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { utilityProcessHost, workerEntryPath } from '../../src-main/main/utility-host';

class FakeUtilityProcess extends EventEmitter {
  pid = 4242;
  sent: unknown[] = [];
  killed = false;
  postMessage(m: unknown) {
    this.sent.push(m);
  }
  kill() {
    this.killed = true;
    this.emit('exit', 1);
    return true;
  }
}

describe('utilityProcess worker host', () => {
  it('forks the built worker entry and relays messages both ways', () => {
    const child = new FakeUtilityProcess();
    let forked = '';
    const host = utilityProcessHost({ fork: (path) => ((forked = path), child as never) }, workerEntryPath('/app/out/main'));
    expect(forked).toBe('/app/out/main/worker.js');
    const got: unknown[] = [];
    host.onMessage((m) => got.push(m));
    child.emit('message', { type: 'ready' });
    host.send({ type: 'control', command: 'pause' });
    expect(got).toEqual([{ type: 'ready' }]);
    expect(child.sent).toEqual([{ type: 'control', command: 'pause' }]);
    expect(host.pid).toBe(4242);
  });

  it('reports the exit code and stops sending after exit', () => {
    const child = new FakeUtilityProcess();
    const host = utilityProcessHost({ fork: () => child as never }, 'worker.js');
    const exits: Array<[number | null, string | null]> = [];
    host.onExit((code, signal) => exits.push([code, signal]));
    host.kill();
    host.send({ type: 'control', command: 'cancel' });
    expect(exits).toEqual([[1, null]]);
    expect(child.sent).toEqual([]);
  });
});

describe('GPU selection', () => {
  it('passes the configured CUDA devices to the worker environment', () => {
    let env: NodeJS.ProcessEnv | undefined;
    const child = new FakeUtilityProcess();
    utilityProcessHost({ fork: (_p, _a, o) => ((env = o?.env), child as never) }, 'worker.js', '1,3');
    expect(env?.CUDA_VISIBLE_DEVICES).toBe('1,3');
  });
});
