/**
 * The Disassembly view opens for a stop whose top frame has no source (extension/no-source-stop.ts):
 * only for the first stack trace after a stop, only when the frame has an instruction pointer.
 */
import { strict as assert } from 'node:assert';
import { NoSourceStopWatcher } from '../../extension/no-source-stop';

const stopped = { type: 'event', event: 'stopped', body: { reason: 'function breakpoint', threadId: 1 } };
const trace = (frames: unknown[]) => ({ type: 'response', command: 'stackTrace', body: { stackFrames: frames } });
const kernelFrame = { id: 1, name: 'start_kernel', line: 0, column: 0, instructionPointerReference: '0xffffffff801966d2' };
const sourceFrame = { ...kernelFrame, source: { name: 'main.c', path: '/src/init/main.c' }, line: 1000 };

describe('extension: disassembly for stops without source', () => {
  it('opens it for the first stack trace after a stop when the top frame has no source', () => {
    const w = new NoSourceStopWatcher();
    assert.equal(w.onMessage(trace([kernelFrame])), false, 'no stop yet');
    assert.equal(w.onMessage(stopped), false);
    assert.equal(w.onMessage(trace([kernelFrame, sourceFrame])), true);
    w.onMessage(stopped);
    const standIn = { ...kernelFrame, source: { name: 'main.c', sourceReference: 3, origin: 'source not on this machine' }, line: 1000 };
    assert.equal(w.onMessage(trace([standIn])), true, 'the stand-in of a missing file');
    assert.equal(w.onMessage(trace([kernelFrame])), false, 'later traces (the user clicking frames) leave the editor alone');
  });

  it('leaves frames with a source, or without an instruction pointer, to VS Code', () => {
    const w = new NoSourceStopWatcher();
    w.onMessage(stopped);
    assert.equal(w.onMessage(trace([sourceFrame])), false);
    w.onMessage(stopped);
    assert.equal(w.onMessage(trace([{ id: 1, name: '??', line: 0, column: 0 }])), false);
    w.onMessage(stopped);
    assert.equal(w.onMessage(trace([{ ...kernelFrame, source: { name: 'gen.c', sourceReference: 9, origin: 'generated' } }])), false);
    w.onMessage(stopped);
    assert.equal(w.onMessage(trace([])), false);
  });
});
