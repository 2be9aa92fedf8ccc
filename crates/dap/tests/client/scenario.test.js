// A scenario driven by VS Code's own DebugClient (@vscode/debugadapter-testsupport) against
// the dap_demo fixture: a line breakpoint verified and hit where gdb stops, threads, the
// stack, scopes and variables as `print` shows them, watch and debug-console evaluation,
// setVariable seen in the program's output, stepIn and stepOut at gdb's lines, the exit
// code and the end of the session. crates/dap/tests/debug_client.rs runs it with
// `node --test`, giving the adapter, the program and its source in the environment.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const ADAPTER = process.env.DBG_DAP;
const PROGRAM = process.env.DBG_DAP_PROGRAM;
const SOURCE = process.env.DBG_DAP_SOURCE;

/** The line of `// L:marker` in the fixture's source. */
function line(marker) {
  const lines = fs.readFileSync(SOURCE, 'utf8').split('\n');
  const index = lines.findIndex((text) => text.trimEnd().endsWith(`// L:${marker}`));
  assert.notStrictEqual(index, -1, `no marker ${marker}`);
  return index + 1;
}

test('breakpoint, stack, variables, evaluate, setVariable, steps and exit', async () => {
  assert.ok(ADAPTER && PROGRAM && SOURCE, 'DBG_DAP, DBG_DAP_PROGRAM and DBG_DAP_SOURCE must be set');
  const dc = new DebugClient(ADAPTER, '', 'dbg');
  // The Rust test has the deadline; a loaded machine must not fail on the client's own.
  dc.defaultTimeout = 60000;
  await dc.start();
  try {
    await dc.hitBreakpoint({ program: PROGRAM }, { path: SOURCE, line: line('main-call') });

    const threads = (await dc.threadsRequest()).body.threads;
    assert.strictEqual(threads.length, 1);
    const threadId = threads[0].id;
    const frames = (await dc.stackTraceRequest({ threadId })).body.stackFrames;
    assert.deepStrictEqual(frames.map((f) => f.name), ['main']);
    const frameId = frames[0].id;

    const scopes = (await dc.scopesRequest({ frameId })).body.scopes;
    assert.deepStrictEqual(scopes.map((s) => s.name), ['Locals', 'Arguments', 'Registers']);
    const localsRef = scopes[0].variablesReference;
    const locals = (await dc.variablesRequest({ variablesReference: localsRef })).body.variables;
    const byName = Object.fromEntries(locals.map((v) => [v.name, v]));
    assert.strictEqual(byName.origin.value, '{x = 3, y = 4}');
    assert.strictEqual(byName.numbers.value, '{1, 2, 3, 4, 5}');
    assert.strictEqual(byName.big.indexedVariables, 300);
    const members = (await dc.variablesRequest({ variablesReference: byName.origin.variablesReference })).body.variables;
    assert.deepStrictEqual(members.map((v) => [v.name, v.value]), [['x', '3'], ['y', '4']]);

    const watch = await dc.evaluateRequest({ expression: 'numbers[4] * 10', frameId, context: 'watch' });
    assert.strictEqual(watch.body.result, '50');
    const repl = await dc.evaluateRequest({ expression: 'print origin', frameId, context: 'repl' });
    assert.match(repl.body.result, /= \{x = 3, y = 4\}$/);

    const set = await dc.setVariableRequest({ variablesReference: localsRef, name: 'limit', value: '2' });
    assert.strictEqual(set.body.value, '2');

    await Promise.all([
      dc.stepInRequest({ threadId }),
      dc.assertStoppedLocation('step', { path: SOURCE, line: line('sum-first') }),
    ]);
    await Promise.all([
      dc.stepOutRequest({ threadId }),
      dc.assertStoppedLocation('step', { path: SOURCE, line: line('main-call') }),
    ]);

    await Promise.all([
      dc.continueRequest({ threadId }),
      dc.assertOutput('stdout', 'total 5 big 598\n'),
      dc.waitForEvent('exited').then((event) => assert.strictEqual(event.body.exitCode, 3)),
      dc.waitForEvent('terminated'),
    ]);
  } finally {
    await dc.stop();
  }
});
