//! Unit tests of the command parser: each line parsed, or the error it gives.

use super::*;
use crate::VirtAddr;

#[track_caller]
fn check(line: &str, expected: Result<Command, &str>) {
    assert_eq!(parse(line), expected.map_err(str::to_string), "{line}");
}

/// `line` is refused with an error that starts with `start`.
fn fails(line: &str, start: &str) {
    match parse(line) {
        Err(error) => assert!(error.starts_with(start), "{line}: {error}"),
        Ok(command) => panic!("{line}: parsed as {command:?}"),
    }
}

fn int(reg: Reg, value: u128) -> Command {
    Command::RegisterWrite(
        reg,
        RegValue::from_u128(value, reg.info().size).unwrap_or_else(|| unreachable!()),
    )
}

#[test]
fn commands_prefixes_and_aliases() {
    check("continue", Ok(Command::Continue(1)));
    check("c 3", Ok(Command::Continue(3)));
    check("cont", Ok(Command::Continue(1)));
    check("si", Ok(Command::StepInstruction(1)));
    check("stepi 0x10", Ok(Command::StepInstruction(16)));
    check("reg r", Ok(Command::RegisterRead(RegisterSet::General)));
    check(
        "register read all",
        Ok(Command::RegisterRead(RegisterSet::All)),
    );
    check(
        "register read rip eax",
        Ok(Command::RegisterRead(RegisterSet::Named(vec![
            Reg::Rip,
            Reg::Eax,
        ]))),
    );
    check("q", Ok(Command::Quit));
    check("hel", Ok(Command::Help(None)));
    check("h", Err("ambiguous command `h`: hbreak, handle, help"));
    check("help stepi", Ok(Command::Help(Some("stepi".into()))));
    check(
        "b 0x1000",
        Ok(Command::BreakpointSet {
            location: Location::Address(VirtAddr::new(0x1000)),
            spec: "0x1000".into(),
            ignore: 0,
            hardware: false,
            temporary: false,
            condition: None,
        }),
    );
    // A bare decimal number is a line of the current file, as in gdb; `*4096` the address.
    check(
        "br s 4096 --ignore 3",
        Ok(Command::BreakpointSet {
            location: Location::CurrentLine(4096),
            spec: "4096".into(),
            ignore: 3,
            hardware: false,
            temporary: false,
            condition: None,
        }),
    );
    // gdb's `break *EXPR`: the expression runs to `if`.
    check(
        "break *($pc + 4) if i == 2",
        Ok(Command::BreakpointSet {
            location: Location::Expression("($pc + 4)".into()),
            spec: "*($pc + 4)".into(),
            ignore: 0,
            hardware: false,
            temporary: false,
            condition: Some("i == 2".into()),
        }),
    );
    check(
        "b 0x1000 --hardware",
        Ok(Command::BreakpointSet {
            location: Location::Address(VirtAddr::new(0x1000)),
            spec: "0x1000".into(),
            ignore: 0,
            hardware: true,
            temporary: false,
            condition: None,
        }),
    );
    check(
        "watch 0x1000 write 8",
        Ok(Command::WatchpointSet {
            address: Location::Address(VirtAddr::new(0x1000)),
            kind: crate::WatchKind::Write,
            size: 8,
            ignore: 0,
        }),
    );
    check(
        "watchpoint s 0x1000 rw 4 --ignore 2",
        Ok(Command::WatchpointSet {
            address: Location::Address(VirtAddr::new(0x1000)),
            kind: crate::WatchKind::ReadWrite,
            size: 4,
            ignore: 2,
        }),
    );
    check("watchpoint l", Ok(Command::WatchpointList));
    check("thread l", Ok(Command::ThreadList));
    check(
        "catchpoint syscall",
        Ok(Command::CatchSyscalls(crate::SyscallCatch::All)),
    );
    check(
        "catch s none",
        Ok(Command::CatchSyscalls(crate::SyscallCatch::None)),
    );
    check(
        "catchpoint syscall write,1 read",
        Ok(Command::CatchSyscalls(crate::SyscallCatch::Only(
            [0, 1].into_iter().collect(),
        ))),
    );
    check("catchpoint syscall frob", Err("unknown system call `frob`"));
    check(
        "catchpoint signal",
        Err("unknown subcommand `signal` of `catchpoint`: syscall"),
    );
    check("thread s 42", Ok(Command::ThreadSelect(42)));
    check("thread select x", Err("invalid thread id `x`"));
    check(
        "handle usr1 nostop noprint",
        Ok(Command::Handle {
            signal: crate::Signal::SIGUSR1,
            stop: Some(false),
            print: Some(false),
            pass: None,
        }),
    );
    check(
        "handle SIGALRM stop pass",
        Ok(Command::Handle {
            signal: crate::Signal::SIGALRM,
            stop: Some(true),
            print: None,
            pass: Some(true),
        }),
    );
    check(
        "handle 10",
        Ok(Command::Handle {
            signal: crate::Signal::SIGUSR1,
            stop: None,
            print: None,
            pass: None,
        }),
    );
    check("handle SIGFOO stop", Err("unknown signal `SIGFOO`"));
    check("handle 99", Err("no signal number 99"));
    check(
        "handle usr1 frob",
        Err("unknown keyword `frob`: expected stop, nostop, print, noprint, pass or nopass"),
    );
    check("watchpoint del 3", Ok(Command::WatchpointDelete(3)));
    check(
        "watch 0x1000 read 4",
        Err("x86 has no read-only watchpoints: use rw (reads and writes)"),
    );
    check(
        "watch 0x1000 write",
        Err("usage: watchpoint set ADDRESS write|rw|execute SIZE [--ignore N]"),
    );
    check(
        "watch 0x1000 sniff 4",
        Err("unknown watchpoint kind `sniff`: expected write, rw or execute"),
    );
    check("breakpoint l", Ok(Command::BreakpointList));
    check("breakpoint dis 2", Ok(Command::BreakpointDisable(2)));
    check("breakpoint de 2", Ok(Command::BreakpointDelete(2)));
    check("breakpoint i 2 10", Ok(Command::BreakpointIgnore(2, 10)));
    check(
        "x 0x10",
        Ok(Command::MemoryRead {
            address: Location::Address(VirtAddr::new(0x10)),
            len: 32,
            scratch: false,
        }),
    );
    check(
        "mem r 0x10 4",
        Ok(Command::MemoryRead {
            address: Location::Address(VirtAddr::new(0x10)),
            len: 4,
            scratch: false,
        }),
    );
    check(
        "memory write 0x10 [0x01, 0x02]",
        Ok(Command::MemoryWrite {
            address: Location::Address(VirtAddr::new(0x10)),
            bytes: vec![1, 2],
        }),
    );
    check(
        "memory write 0x10 01ff",
        Ok(Command::MemoryWrite {
            address: Location::Address(VirtAddr::new(0x10)),
            bytes: vec![1, 0xff],
        }),
    );
    check(
        "disas",
        Ok(Command::Disassemble {
            address: None,
            count: 5,
        }),
    );
    check(
        "disassemble -a 0x10 -c 2",
        Ok(Command::Disassemble {
            address: Some(Location::Address(VirtAddr::new(0x10))),
            count: 2,
        }),
    );
}

#[test]
fn errors_name_what_is_wrong() {
    check(
        "frobnicate",
        Err("unknown command `frobnicate` (try `help`)"),
    );
    check("de", Err("ambiguous command `de`: delete, detach"));
    check(
        "stepi 0",
        Err("invalid count `0`: expected a positive number"),
    );
    check(
        "stepi x",
        Err("invalid count `x`: expected a positive number"),
    );
    check("stepi 1 2", Err("unexpected argument `2` to `stepi`"));
    check("register read foo", Err("no such register `foo`"));
    check(
        "register",
        Err("`register` needs a subcommand: read, write"),
    );
    check(
        "register frob",
        Err("unknown subcommand `frob` of `register`: read, write"),
    );
    check(
        "register write rax",
        Err("usage: register write NAME VALUE"),
    );
    check(
        "register write eax 0x100000000",
        Err("value `0x100000000` does not fit register eax (4 bytes)"),
    );
    check(
        "register write al 256",
        Err("value `256` does not fit register al (1 bytes)"),
    );
    check(
        "register write rax pi",
        Err("invalid value `pi` for register rax: expected an integer"),
    );
    check(
        "register write rax [0x1,0x2]",
        Err("register rax takes exactly 8 bytes, the list has 2"),
    );
    check(
        "register write rax [0x1,zz]",
        Err("invalid byte `zz` in byte list"),
    );
    check(
        "b main",
        Ok(Command::BreakpointSet {
            location: Location::Function("main".into()),
            spec: "main".into(),
            ignore: 0,
            hardware: false,
            temporary: false,
            condition: None,
        }),
    );
    check(
        "b hello.c:5",
        Ok(Command::BreakpointSet {
            location: Location::Line {
                file: "hello.c".into(),
                line: 5,
            },
            spec: "hello.c:5".into(),
            ignore: 0,
            hardware: false,
            temporary: false,
            condition: None,
        }),
    );
    check("b main+zz", Err("invalid offset in `main+zz`"));
    check(
        "break factorial --ignore 2",
        Ok(Command::BreakpointSet {
            location: Location::Function("factorial".into()),
            spec: "factorial".into(),
            ignore: 2,
            hardware: false,
            temporary: false,
            condition: None,
        }),
    );
    check("x 12ab", Err("invalid address `12ab`"));
    check("fin", Ok(Command::Finish));
    check("ni 2", Ok(Command::NextInstruction(2)));
    check("s", Ok(Command::Step(1)));
    check("n", Ok(Command::Next(1)));
    check("bt", Ok(Command::Backtrace(None, false)));
    check("bt full 2", Ok(Command::Backtrace(Some(2), true)));
    check("backtrace 3 full", Ok(Command::Backtrace(Some(3), true)));
    check("up 2", Ok(Command::Up(2)));
    check("do", Ok(Command::Down(1)));
    check("fr", Ok(Command::Frame(None)));
    check("frame 3", Ok(Command::Frame(Some(3))));
    check(
        "l hello.c:3",
        Ok(Command::List(Some(Location::Line {
            file: "hello.c".into(),
            line: 3,
        }))),
    );
    check("symbol", Err("usage: symbol ADDRESS|NAME"));
    check(
        "symbol main+4",
        Ok(Command::Symbol(Location::Symbol {
            name: "main".into(),
            offset: 4,
        })),
    );

    check(
        "breakpoint set",
        Err("usage: breakpoint set LOCATION [--ignore N]"),
    );
    check(
        "breakpoint set 0x10 --ignore",
        Err("--ignore needs a count"),
    );
    check("breakpoint set 0x10 --frob", Err("unknown option `--frob`"));
    check("breakpoint enable", Err("usage: breakpoint enable ID"));
    check("breakpoint delete x", Err("invalid breakpoint id `x`"));
    check(
        "memory write 0x10 0x1",
        Err("invalid bytes `0x1`: expected [0x01,0x02] or a hex string like 0102"),
    );
    check(
        "memory write 0x10 123",
        Err("invalid bytes `123`: expected [0x01,0x02] or a hex string like 0102"),
    );
    check(
        "memory read",
        Err("usage: memory read [--scratch] ADDRESS [N]"),
    );
    check(
        "memory read 0x10 0",
        Err("invalid length `0`: expected at least 1"),
    );
    check(
        "disassemble -c 0",
        Err("invalid count `0`: expected 1 to 4096"),
    );
    check("kill now", Err("unexpected argument `now` to `kill`"));
}

#[test]
fn register_values() {
    check("register write rax 0x10", Ok(int(Reg::Rax, 0x10)));
    check("register write eax -1", Ok(int(Reg::Eax, 0xffff_ffff)));
    check("register write al -128", Ok(int(Reg::Al, 0x80)));
    check(
        "register write al -129",
        Err("value `-129` does not fit register al (1 bytes)"),
    );
    check(
        "register write st0 42.24",
        Ok(Command::RegisterWrite(
            Reg::St0,
            RegValue::long_double(42.24),
        )),
    );
    let Ok(Command::RegisterWrite(_, xmm)) = parse("register write xmm0 1.5") else {
        unreachable!()
    };
    assert_eq!(xmm.bytes()[..8], 1.5f64.to_le_bytes());
    let Ok(Command::RegisterWrite(_, xmm)) =
        parse("register write xmm1 [0,1,2,3,4,5,6,7, 8,9,10,11,12,13,14,0xff]")
    else {
        unreachable!()
    };
    assert_eq!(xmm.bytes()[15], 0xff);
}

#[test]
fn gdb_habits_parse_to_their_dbg_forms() {
    // gdb's one-letter abbreviations keep gdb's meaning.
    check(
        "r",
        Ok(Command::Run {
            stop_at_main: false,
            args: None,
        }),
    );
    check("u", Ok(Command::Until(None)));
    check("u 30", Ok(Command::Until(Some(Location::CurrentLine(30)))));
    check(
        "advance f.c:3",
        Ok(Command::Advance(Location::Line {
            file: "f.c".into(),
            line: 3,
        })),
    );
    fails("advance", "`advance` needs a LOCATION");
    // `run`'s arguments are split and unquoted as a shell does; redirections are taken out.
    check(
        "start 'a b' \"c d\" <in >out 2> err e",
        Ok(Command::Run {
            stop_at_main: true,
            args: Some(ProgramArgs {
                args: vec!["a b".into(), "c d".into(), "e".into()],
                stdin: Some("in".into()),
                stdout: Some("out".into()),
                stderr: Some("err".into()),
            }),
        }),
    );
    fails("run >", "`>` needs a file name after it");
    fails("run 'open", "invalid arguments");
    check(
        "d 2",
        Ok(Command::Breakpoints(BreakpointAction::Delete, vec![2])),
    );
    check(
        "d",
        Ok(Command::Breakpoints(BreakpointAction::Delete, vec![])),
    );
    check("f 1", Ok(Command::Frame(Some(1))));
    check("k", Ok(Command::Kill));
    check("l 30", Ok(Command::List(Some(Location::CurrentLine(30)))));
    check("where", Ok(Command::Backtrace(None, false)));
    check("bt 3", Ok(Command::Backtrace(Some(3), false)));
    check("next 3", Ok(Command::Next(3)));
    check("step 2", Ok(Command::Step(2)));
    check("thread 2", Ok(Command::ThreadSelect(2)));
    check(
        "enable 1 2",
        Ok(Command::Breakpoints(BreakpointAction::Enable, vec![1, 2])),
    );
    check(
        "disable 3",
        Ok(Command::Breakpoints(BreakpointAction::Disable, vec![3])),
    );
    check("ignore 1 5", Ok(Command::BreakpointIgnore(1, 5)));
    check(
        "i r rip",
        Ok(Command::RegisterRead(RegisterSet::Named(vec![Reg::Rip]))),
    );
    check(
        "info registers",
        Ok(Command::RegisterRead(RegisterSet::General)),
    );
    check("info break", Ok(Command::BreakpointList));
    check("info watch", Ok(Command::WatchpointList));
    check("info threads", Ok(Command::ThreadList));
    check("info frame", Ok(Command::Frame(None)));
    check(
        "info all-registers",
        Ok(Command::RegisterRead(RegisterSet::All)),
    );
    check(
        "tbreak 12",
        Ok(Command::BreakpointSet {
            location: Location::CurrentLine(12),
            spec: "12".into(),
            ignore: 0,
            hardware: false,
            temporary: true,
            condition: None,
        }),
    );
    check(
        "hbreak main",
        Ok(Command::BreakpointSet {
            location: Location::Function("main".into()),
            spec: "main".into(),
            ignore: 0,
            hardware: true,
            temporary: false,
            condition: None,
        }),
    );
    fails("break 0", "invalid line");
    check(
        "catch syscall write",
        parse("catchpoint syscall write").map_err(|_| "catchpoint"),
    );
    fails(
        "rwatch x",
        "dbg has no `rwatch` command: use `awatch LVALUE",
    );
    check(
        "watch p->next",
        Ok(Command::WatchExpression {
            expression: "p->next".into(),
            access: false,
        }),
    );
    check(
        "awatch arr[2]",
        Ok(Command::WatchExpression {
            expression: "arr[2]".into(),
            access: true,
        }),
    );
    fails("awatch", "usage: awatch LVALUE");
    check("info locals", Ok(Command::Locals));
    check(
        "break values.c:30 if count > 2 && label",
        Ok(Command::BreakpointSet {
            location: Location::parse_location("values.c:30").unwrap_or_else(|e| panic!("{e}")),
            spec: "values.c:30".into(),
            ignore: 0,
            hardware: false,
            temporary: false,
            condition: Some("count > 2 && label".into()),
        }),
    );
    check(
        "condition 2 i == 3",
        Ok(Command::Condition(2, Some("i == 3".into()))),
    );
    check("condition 2", Ok(Command::Condition(2, None)));
    check(
        "breakpoint condition 1 x",
        Ok(Command::Condition(1, Some("x".into()))),
    );
    fails("break main if", "`if` needs a condition");
    check("i args", Ok(Command::Args));
    check("info display", Ok(Command::DisplayList));
    check(
        "display/x a + 1",
        Ok(Command::Display(Some(("a + 1".into(), Some('x'))))),
    );
    check("display", Ok(Command::Display(None)));
    check("undisplay 1 2", Ok(Command::Undisplay(vec![1, 2])));
    let examine =
        |text: &str| crate::console::examine::parse(text).unwrap_or_else(|e| panic!("{e}"));
    check(
        "x/4xg $sp",
        Ok(Command::Examine {
            address: Location::Register {
                reg: Reg::Rsp,
                offset: 0,
            },
            spec: examine("4xg"),
        }),
    );
    check(
        "x /3i $pc+4",
        Ok(Command::Examine {
            address: Location::Register {
                reg: Reg::Rip,
                offset: 4,
            },
            spec: examine("3i"),
        }),
    );
    fails("x/4q $sp", "invalid format letter `q`");
    fails("x/4xg", "usage: x/4xg ADDRESS");
    check(
        "x $sp",
        Ok(Command::MemoryRead {
            address: Location::Register {
                reg: Reg::Rsp,
                offset: 0,
            },
            len: 32,
            scratch: false,
        }),
    );
}

#[test]
fn the_command_reference_in_docs_is_the_command_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/COMMANDS.md");
    let expected = table::reference();
    if std::env::var_os("DBG_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    let found = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        found == expected,
        "docs/COMMANDS.md differs from the command table: run DBG_UPDATE_DOCS=1 cargo test -p dbg-session --lib"
    );
}

#[test]
fn expression_commands_take_the_rest_of_the_line() {
    let print = |expression: &str, format| {
        Ok(Command::Print {
            expression: expression.into(),
            format,
        })
    };
    check("print a + b * 2", print("a + b * 2", None));
    check("p  s.name ", print("s.name", None));
    check("p/x arr", print("arr", Some(crate::Format::Hex)));
    check(
        "print/d \"a b\"",
        print("\"a b\"", Some(crate::Format::Decimal)),
    );
    check("inspect x = 3", print("x = 3", None));
    check("set var x = 3", Ok(Command::SetVar("x = 3".into())));
    check("set variable p->f=1", Ok(Command::SetVar("p->f=1".into())));
    check(
        "ptype struct point",
        Ok(Command::Ptype("struct point".into())),
    );
    check("whatis x + 1", Ok(Command::Whatis("x + 1".into())));
    check("locals", Ok(Command::Locals));
    fails("print", "usage: print");
    fails("p/q x", "undefined output format `q`");
    fails("p/xx x", "bad format `/xx`");
    fails("set x = 3", "usage: set var");
    fails("set var", "usage: set var");
    fails("ptype/x int", "`ptype` takes no /FORMAT");
}

#[test]
fn the_hidden_panic_command_takes_exact_words_only() {
    check(
        "maintenance panic",
        Ok(Command::MaintenancePanic { thread: false }),
    );
    check(
        "maintenance   panic  thread",
        Ok(Command::MaintenancePanic { thread: true }),
    );
    check(
        "maintenance info scratch",
        Ok(Command::MaintenanceInfoScratch),
    );
    check(
        "memory read --scratch 0x10 8",
        Ok(Command::MemoryRead {
            address: Location::Address(VirtAddr::new(0x10)),
            len: 8,
            scratch: true,
        }),
    );
    check(
        "memory read --scratch",
        Err("usage: memory read [--scratch] ADDRESS [N]"),
    );
    // Never by accident: no abbreviation, no other words, and not in the table that prefixes
    // and `help` come from (so no abbreviation of another command changes meaning).
    fails("maint panic", "unknown command");
    fails("maintenance panik", "unknown command");
    fails("maintenance", "unknown command");
    assert!(!COMMANDS.iter().any(|spec| spec.name.starts_with("maint")));
}

#[test]
fn the_largest_counts_parse_and_are_bounded_where_they_allocate() {
    check(
        "stepi 18446744073709551615",
        Ok(Command::StepInstruction(u64::MAX)),
    );
    fails("x/99999999xg $sp", "invalid count `99999999`");
    fails("disassemble -c 18446744073709551615", "invalid count");
}
