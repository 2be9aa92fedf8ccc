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

/** Start a session on the fixture with `args`, set breakpoints through `configure` before
 * configurationDone, and return the first stopped event. */
async function launched(dc, args, configure) {
  await dc.initializeRequest();
  const initialized = dc.waitForEvent('initialized');
  const launch = dc.launchRequest({ program: PROGRAM, args });
  await initialized;
  await configure();
  await dc.configurationDoneRequest();
  await launch;
}

test('function, conditional, hit-count and data breakpoints, disassemble and memory', async () => {
  const dc = new DebugClient(ADAPTER, '', 'dbg');
  dc.defaultTimeout = 60000;
  await dc.start();
  try {
    const stopped = dc.waitForEvent('stopped');
    await launched(dc, [], async () => {
      const functions = await dc.setFunctionBreakpointsRequest({
        breakpoints: [{ name: 'square', condition: 'n == 3' }],
      });
      assert.strictEqual(functions.body.breakpoints[0].verified, true);
    });
    const first = await stopped;
    assert.strictEqual(first.body.reason, 'function breakpoint');
    const threadId = first.body.threadId;
    let frame = (await dc.stackTraceRequest({ threadId })).body.stackFrames[0];
    assert.strictEqual(frame.name, 'square');
    assert.strictEqual((await dc.evaluateRequest({ expression: 'n', frameId: frame.id, context: 'watch' })).body.result, '3');

    // The second time through the loop-count line from here (i = 4) stops: hit count.
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    const lines = await dc.setBreakpointsRequest({
      source: { path: SOURCE },
      breakpoints: [{ line: line('loop-count'), hitCondition: '2' }],
    });
    assert.strictEqual(lines.body.breakpoints[0].verified, true);
    await Promise.all([
      dc.continueRequest({ threadId }),
      dc.assertStoppedLocation('breakpoint', { path: SOURCE, line: line('loop-count') }),
    ]);
    frame = (await dc.stackTraceRequest({ threadId })).body.stackFrames[0];
    assert.strictEqual((await dc.evaluateRequest({ expression: 'i', frameId: frame.id, context: 'watch' })).body.result, '4');

    // The instructions at the pc, and the bytes of a local.
    const code = await dc.disassembleRequest({
      memoryReference: frame.instructionPointerReference,
      instructionCount: 3,
    });
    assert.strictEqual(code.body.instructions.length, 3);
    assert.strictEqual(code.body.instructions[0].address, frame.instructionPointerReference);
    const limit = await dc.evaluateRequest({ expression: 'limit', frameId: frame.id, context: 'watch' });
    assert.ok(limit.body.memoryReference, JSON.stringify(limit.body));
    const memory = await dc.send('readMemory', { memoryReference: limit.body.memoryReference, count: 4 });
    assert.deepStrictEqual([...Buffer.from(memory.body.data, 'base64')], [4, 0, 0, 0]);

    // A data breakpoint on the global the loop writes.
    await dc.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [] });
    const info = await dc.dataBreakpointInfoRequest({ name: 'counter', frameId: frame.id });
    assert.ok(info.body.dataId, JSON.stringify(info.body));
    await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId, accessType: 'write' }] });
    await Promise.all([
      dc.continueRequest({ threadId }),
      dc.waitForEvent('stopped').then((event) => assert.strictEqual(event.body.reason, 'data breakpoint')),
    ]);
    frame = (await dc.stackTraceRequest({ threadId })).body.stackFrames[0];
    assert.strictEqual((await dc.evaluateRequest({ expression: 'counter', frameId: frame.id, context: 'watch' })).body.result, '4');
    await dc.setDataBreakpointsRequest({ breakpoints: [] });
    await Promise.all([
      dc.continueRequest({ threadId }),
      dc.waitForEvent('exited').then((event) => assert.strictEqual(event.body.exitCode, 3)),
      dc.waitForEvent('terminated'),
    ]);
  } finally {
    await dc.stop();
  }
});

test('pause stops a spinning program, and the debug console clears the flag it spins on', async () => {
  const dc = new DebugClient(ADAPTER, '', 'dbg');
  dc.defaultTimeout = 60000;
  await dc.start();
  try {
    const spinning = dc.assertOutput('stdout', 'spinning\n');
    await launched(dc, ['spin'], async () => {});
    await spinning;
    const threadId = (await dc.threadsRequest()).body.threads[0].id;
    await Promise.all([
      dc.pauseRequest({ threadId }),
      dc.waitForEvent('stopped').then((event) => assert.strictEqual(event.body.reason, 'pause')),
    ]);
    const frames = (await dc.stackTraceRequest({ threadId })).body.stackFrames;
    assert.ok(frames.some((f) => f.name === 'main'), JSON.stringify(frames.map((f) => f.name)));
    const frameId = frames.find((f) => f.name === 'main').id;
    await dc.evaluateRequest({ expression: 'set var spinning = 0', frameId, context: 'repl' });
    await Promise.all([
      dc.continueRequest({ threadId }),
      dc.waitForEvent('exited').then((event) => assert.strictEqual(event.body.exitCode, 3)),
    ]);
  } finally {
    await dc.stop();
  }
});

test('a Rust program: a function breakpoint by path, and values as `{:?}` shows them', async () => {
  const RUST = process.env.DBG_DAP_RUST_PROGRAM;
  assert.ok(RUST, 'DBG_DAP_RUST_PROGRAM must be set');
  const dc = new DebugClient(ADAPTER, '', 'dbg');
  dc.defaultTimeout = 60000;
  await dc.start();
  try {
    await dc.initializeRequest();
    const initialized = dc.waitForEvent('initialized');
    const launch = dc.launchRequest({ program: RUST });
    await initialized;
    const set = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'values_rs::checkpoint' }] });
    assert.strictEqual(set.body.breakpoints[0].verified, true);
    const stopped = dc.waitForEvent('stopped');
    await dc.configurationDoneRequest();
    await launch;
    const stop = await stopped;
    assert.strictEqual(stop.body.reason, 'function breakpoint');
    const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId })).body.stackFrames;
    assert.deepStrictEqual(frames.slice(0, 2).map((f) => f.name), ['values_rs::checkpoint', 'values_rs::main']);
    const scopes = (await dc.scopesRequest({ frameId: frames[1].id })).body.scopes;
    const locals = (await dc.variablesRequest({ variablesReference: scopes[0].variablesReference })).body.variables;
    const byName = Object.fromEntries(locals.map((v) => [v.name, v]));
    assert.strictEqual(byName.numbers.value, '[1, 2, 3]');
    assert.strictEqual(byName.point.value, 'Point { x: 1, y: 2 }');
    assert.strictEqual(byName.some.value, 'Some(5)');
    const elements = (await dc.variablesRequest({ variablesReference: byName.numbers.variablesReference })).body.variables;
    assert.deepStrictEqual(elements.map((v) => v.value), ['1', '2', '3']);
    const sum = await dc.evaluateRequest({ expression: 'point.y + numbers[2]', frameId: frames[1].id, context: 'watch' });
    assert.strictEqual(sum.body.result, '5');
  } finally {
    await dc.stop();
  }
});
