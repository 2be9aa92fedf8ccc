//! Memory and code: `readMemory`, `writeMemory`, `disassemble` (before an address too, as
//! an editor's disassembly view asks), and `modules` (the shared libraries).

use base64::Engine;
use dbg_session::{Instruction, VirtAddr, MAX_MEMORY_READ};

use super::{hex, parse_reference, Server};
use crate::error::Result;
use crate::protocol::requests::{
    DisassembleArguments, DisassembleBody, ModulesArguments, ModulesBody, ReadMemoryArguments,
    ReadMemoryBody, WriteMemoryArguments, WriteMemoryBody,
};
use crate::protocol::types::{DisassembledInstruction, Module, Source};

/// The most instructions one `disassemble` answers.
const MAX_INSTRUCTIONS: usize = 4096;

/// The longest x86-64 instruction.
const MAX_INSTRUCTION_LEN: u64 = 15;

impl Server {
    pub(super) fn read_memory(&mut self, args: ReadMemoryArguments) -> Result<ReadMemoryBody> {
        let address = parse_reference(&args.memory_reference, args.offset)?;
        let count = usize::try_from(args.count)
            .unwrap_or(0)
            .min(MAX_MEMORY_READ);
        let session = self.session()?;
        if count == 0 {
            return Ok(ReadMemoryBody {
                address: hex(address),
                ..ReadMemoryBody::default()
            });
        }
        let bytes = match session.read_memory(VirtAddr::new(address), count) {
            Ok(read) => read.bytes,
            // Nothing readable there: every byte is unreadable, which is an answer.
            Err(_) if session.is_alive() => Vec::new(),
            Err(error) => return Err(error.into()),
        };
        let unreadable = count - bytes.len().min(count);
        Ok(ReadMemoryBody {
            address: hex(address),
            unreadable_bytes: (unreadable > 0).then_some(unreadable as i64),
            data: Some(base64::engine::general_purpose::STANDARD.encode(&bytes)),
        })
    }

    pub(super) fn write_memory(&mut self, args: WriteMemoryArguments) -> Result<WriteMemoryBody> {
        let address = parse_reference(&args.memory_reference, args.offset)?;
        let data = base64::engine::general_purpose::STANDARD.decode(args.data.trim())?;
        self.session()?
            .write_memory(VirtAddr::new(address), &data)?;
        Ok(WriteMemoryBody {
            bytes_written: Some(data.len() as i64),
        })
    }

    pub(super) fn disassemble(&mut self, args: DisassembleArguments) -> Result<DisassembleBody> {
        let address = parse_reference(&args.memory_reference, args.offset)?;
        let count = usize::try_from(args.instruction_count)
            .unwrap_or(0)
            .min(MAX_INSTRUCTIONS);
        let skip = args.instruction_offset.unwrap_or(0);
        let mut code: Vec<Option<Instruction>> = Vec::new();
        if skip < 0 {
            let before = usize::try_from(skip.unsigned_abs())
                .unwrap_or(MAX_INSTRUCTIONS)
                .min(MAX_INSTRUCTIONS);
            code.extend(self.instructions_before(address, before));
        }
        let forward_skip = usize::try_from(skip.max(0)).unwrap_or(0);
        let wanted = count.saturating_sub(code.len().min(count));
        let forward = self
            .session()?
            .disassemble(Some(VirtAddr::new(address)), forward_skip + wanted)
            .unwrap_or_default();
        code.extend(forward.into_iter().skip(forward_skip).map(Some));
        code.truncate(count);
        let resolve = args.resolve_symbols.unwrap_or(true);
        let mut instructions = Vec::with_capacity(count);
        let mut last_line = None;
        let mut next_address = address;
        for instruction in code {
            instructions.push(match instruction {
                Some(instruction) => {
                    next_address = instruction
                        .address
                        .get()
                        .wrapping_add(instruction.bytes.len() as u64);
                    self.instruction(&instruction, resolve, &mut last_line)
                }
                None => invalid(address),
            });
        }
        while instructions.len() < count {
            instructions.push(invalid(next_address));
            next_address = next_address.wrapping_add(1);
        }
        Ok(DisassembleBody { instructions })
    }

    /// The `count` instructions that end at `address`, decoded from a point before it where
    /// decoding falls in step with it; `None` for those that cannot be found (x86 cannot be
    /// decoded backwards, so earlier bytes are tried until one decodes up to `address`).
    fn instructions_before(&mut self, address: u64, count: usize) -> Vec<Option<Instruction>> {
        let Ok(session) = self.session() else {
            return vec![None; count];
        };
        let span = (count as u64).saturating_mul(MAX_INSTRUCTION_LEN);
        for slack in 0..MAX_INSTRUCTION_LEN {
            let start = address.saturating_sub(span + slack);
            if start >= address {
                break;
            }
            let Ok(decoded) = session.disassemble(
                Some(VirtAddr::new(start)),
                count * MAX_INSTRUCTION_LEN as usize,
            ) else {
                continue;
            };
            let before: Vec<Instruction> = decoded
                .into_iter()
                .take_while(|i| i.address.get() < address)
                .collect();
            let in_step = before
                .last()
                .is_some_and(|i| i.address.get() + i.bytes.len() as u64 == address);
            if in_step {
                let found = before.len().min(count);
                let mut out = vec![None; count - found];
                let skip = before.len() - found;
                out.extend(before.into_iter().skip(skip).map(Some));
                return out;
            }
        }
        vec![None; count]
    }

    fn instruction(
        &mut self,
        instruction: &Instruction,
        resolve: bool,
        last_line: &mut Option<(String, u32)>,
    ) -> DisassembledInstruction {
        let bytes: Vec<String> = instruction
            .bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let (symbol, line) = match self.session() {
            Ok(session) if resolve => (
                session.symbolize(instruction.address),
                session
                    .place(instruction.address)
                    .and_then(|place| place.source),
            ),
            _ => (None, None),
        };
        // The source line is given where it changes, as editors show it.
        let line = line.filter(|line| {
            let key = (line.path.clone(), line.line);
            let new = last_line.as_ref() != Some(&key);
            *last_line = Some(key);
            new
        });
        DisassembledInstruction {
            address: hex(instruction.address.get()),
            instruction_bytes: Some(bytes.join(" ")),
            instruction: instruction.text.clone(),
            symbol,
            location: line.as_ref().map(|line| Source {
                name: Some(
                    line.file
                        .rsplit('/')
                        .next()
                        .unwrap_or(&line.file)
                        .to_string(),
                ),
                path: Some(line.path.clone()),
                source_reference: None,
            }),
            line: line.map(|line| self.client_line(line.line)),
            presentation_hint: None,
        }
    }

    pub(super) fn modules(&mut self, args: ModulesArguments) -> Result<ModulesBody> {
        let session = self.session()?;
        let libraries = if session.is_alive() {
            session.libraries()
        } else {
            Vec::new()
        };
        let total = libraries.len();
        let start = usize::try_from(args.start_module.unwrap_or(0)).unwrap_or(0);
        let count = usize::try_from(args.module_count.unwrap_or(0))
            .ok()
            .filter(|count| *count > 0)
            .unwrap_or(total);
        let modules = libraries
            .into_iter()
            .skip(start)
            .take(count)
            .map(|library| Module {
                id: library.path.display().to_string(),
                name: file_name(&library.path),
                path: Some(library.path.display().to_string()),
                symbol_status: Some(
                    if library.symbols {
                        "Symbols loaded."
                    } else {
                        "No symbols."
                    }
                    .into(),
                ),
                symbol_file_path: library.debuginfo.map(|path| path.display().to_string()),
                address_range: Some(hex(library.base.get())),
            })
            .collect();
        Ok(ModulesBody {
            modules,
            total_modules: Some(total as i64),
        })
    }

    /// A library as a `module` event names it: by path only, since finding whether its
    /// symbols load would open it while the program starts (the `modules` request says).
    pub(super) fn module(&mut self, path: &std::path::Path) -> Module {
        let id = path.display().to_string();
        Module {
            id: id.clone(),
            name: file_name(path),
            path: Some(id),
            symbol_status: None,
            symbol_file_path: None,
            address_range: None,
        }
    }
}

/// A placeholder where no instruction could be decoded.
fn invalid(address: u64) -> DisassembledInstruction {
    DisassembledInstruction {
        address: hex(address),
        instruction_bytes: None,
        instruction: "??".into(),
        symbol: None,
        location: None,
        line: None,
        presentation_hint: Some("invalid".into()),
    }
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
