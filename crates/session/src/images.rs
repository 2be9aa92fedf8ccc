//! The binaries mapped in the tracee — the executable, the dynamic loader, shared libraries —
//! with their load biases and their symbols, opened lazily from the files `/proc/PID/maps`
//! names (memory-mapped, never copied).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use dbg_memory::Mappings;
use dbg_process::Pid;
use dbg_symbols::{FileAddr, Module, SourceLine};
use dbg_sys::VirtAddr;

use crate::error::SymbolWarning;
use crate::load_bias::LoadBias;
use crate::notice::Notices;

/// Where an address is in the program's code, as far as the symbols tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodePlace {
    /// The function: the innermost one from DWARF (an inlined function included), else the
    /// ELF symbol.
    pub function: Option<String>,
    /// The address's offset from the function's start, when the function is an ELF symbol.
    pub offset: Option<u64>,
    /// The source line, with line information.
    pub source: Option<SourceLine>,
    /// The binary the address is in (its path), or the kind of mapping (`[stack]`, `[heap]`).
    pub module: Option<String>,
}

/// One mapped binary.
#[derive(Debug, Clone)]
pub(crate) struct Image {
    pub(crate) path: PathBuf,
    /// The lowest and one past the highest address of its mappings.
    pub(crate) start: VirtAddr,
    pub(crate) end: VirtAddr,
    /// Where the binary's own addresses are in the process.
    pub(crate) bias: LoadBias,
}

/// The tracee's binaries, by the start of their mappings.
#[derive(Debug, Default)]
pub(crate) struct Images {
    images: Vec<Image>,
    /// Opened binaries, by path; `None` for a file that could not be read as ELF.
    /// Shared (`Arc`) so that a value being evaluated can hold its binary while it reads
    /// the process.
    modules: BTreeMap<PathBuf, Option<Arc<Module>>>,
    /// The main executable's path.
    executable: Option<PathBuf>,
    /// The mappings may have changed since they were read (the process ran).
    stale: bool,
    /// Binaries whose symbols failed to load, not reported yet.
    warnings: Vec<SymbolWarning>,
    /// Binaries already warned about (each is said once).
    warned: BTreeSet<PathBuf>,
    /// Where separate debug files are looked for, and which were found.
    debug_files: DebugFiles,
    /// Times the reading of each binary opened, for "Reading symbols from ..." notices.
    notices: Notices,
    /// Each binary's entry point and lowest segment address, from its headers alone, for
    /// binaries not opened: a load bias needs no more (`None`: not ELF).
    layouts: HashMap<PathBuf, Option<(FileAddr, FileAddr)>>,
    /// The mappings last read to check where a breakpoint goes, kept while they are known
    /// not to have changed (a gdb client inserts its breakpoints again at every stop).
    code_maps: Option<Mappings>,
}

/// The separate debug files of the binaries (what `objcopy --only-keep-debug` made of a
/// stripped binary: distributions ship them as `libc6-dbg` and the like), found as gdb
/// finds them.
#[derive(Debug, Default)]
struct DebugFiles {
    /// Directories searched before gdb's default `/usr/lib/debug`, as gdb's
    /// `debug-file-directory`.
    directories: Vec<PathBuf>,
    /// The debug file attached to each binary opened, by the binary's path.
    found: BTreeMap<PathBuf, PathBuf>,
}

/// Where distributions install separate debug files (gdb's default `debug-file-directory`).
const SYSTEM_DEBUG_DIRECTORY: &str = "/usr/lib/debug";

impl DebugFiles {
    /// The directories to search: the configured ones, then the system's.
    fn directories(&self) -> impl Iterator<Item = &Path> {
        self.directories
            .iter()
            .map(PathBuf::as_path)
            .chain(std::iter::once(Path::new(SYSTEM_DEBUG_DIRECTORY)))
    }

    /// The separate debug file of `module` (the binary at `path`), opened, with its path:
    /// first by build-id (`DIR/.build-id/xx/rest.debug`, whose build-id must be the
    /// binary's), then by `.gnu_debuglink` name in the binary's directory, its `.debug/`
    /// subdirectory and `DIR/<the binary's directory>/` (whose CRC-32 must be the one the
    /// link records), as gdb looks.
    fn find(&self, path: &Path, module: &Module) -> Option<(PathBuf, Module)> {
        let build_id = module.build_id().filter(|id| id.len() >= 2);
        if let Some(id) = &build_id {
            let hex: String = id.iter().map(|byte| format!("{byte:02x}")).collect();
            let (first, rest) = hex.split_at(2);
            for directory in self.directories() {
                let candidate = directory
                    .join(".build-id")
                    .join(first)
                    .join(format!("{rest}.debug"));
                let Some((_, debug)) = open_debug_file(&candidate) else {
                    continue;
                };
                if debug.build_id().as_ref() == Some(id) {
                    return Some((candidate, debug));
                }
            }
        }
        let (name, crc) = module.debuglink()?;
        // A name with a directory in it is not a debuglink gdb follows either.
        if name.contains('/') || name.is_empty() {
            return None;
        }
        let parent = path.parent()?;
        let mut candidates = vec![parent.join(&name), parent.join(".debug").join(&name)];
        let relative = parent.strip_prefix("/").unwrap_or(parent);
        candidates.extend(
            self.directories()
                .map(|directory| directory.join(relative).join(&name)),
        );
        candidates
            .into_iter()
            .filter(|candidate| candidate != path)
            .find_map(|candidate| {
                let (file, debug) = open_debug_file(&candidate)?;
                let bytes: &[u8] = (*file).as_ref();
                (crc32fast::hash(bytes) == crc).then_some((candidate, debug))
            })
    }
}

/// The file at `path` opened (memory-mapped) as a binary, with its map; `None` when it is
/// absent or not ELF (a debug file that is not there is no warning: most binaries have
/// none).
fn open_debug_file(path: &Path) -> Option<(Arc<dbg_sys::file::MappedFile>, Module)> {
    let file = Arc::new(dbg_sys::file::MappedFile::open(path).ok()?);
    let module = Module::parse(Box::new(SharedMap(file.clone()))).ok()?;
    let release = file.clone();
    Some((
        file,
        module.with_release(Box::new(move |range| release.release(range))),
    ))
}

/// How /proc/PID/maps names the vdso.
const VDSO: &str = "[vdso]";

/// The largest vdso read (it is two to four pages).
const MAX_VDSO: u64 = 1 << 16;

/// `start..end` of the process's memory, through /proc/PID/mem.
fn read_process_memory(pid: Pid, start: VirtAddr, end: VirtAddr) -> Option<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let len = end.offset_from(start).filter(|len| *len <= MAX_VDSO)?;
    let mut bytes = vec![0; usize::try_from(len).ok()?];
    let mem = std::fs::File::open(format!("/proc/{pid}/mem")).ok()?;
    mem.read_exact_at(&mut bytes, start.get()).ok()?;
    Some(bytes)
}

/// `AT_ENTRY` in the auxiliary vector.
const AT_ENTRY: u64 = 9;

impl Images {
    /// The timing of symbol reading, for a front end's notices.
    pub(crate) fn notices(&self) -> &Notices {
        &self.notices
    }

    /// Look for separate debug files in `directories` (before `/usr/lib/debug`), for the
    /// binaries opened from now on.
    pub(crate) fn set_debug_file_directories(&mut self, directories: Vec<PathBuf>) {
        self.debug_files.directories = directories;
        // Binaries opened already (the dynamic linker, at launch) are opened again when next
        // wanted, looking in the new directories first.
        self.modules.retain(|path, _| path == Path::new(VDSO));
        self.debug_files.found.clear();
    }

    /// The separate debug file whose DWARF and symbols the binary at `path` uses, if one
    /// was found when it was opened.
    pub(crate) fn debug_file(&self, path: &Path) -> Option<&Path> {
        self.debug_files.found.get(path).map(PathBuf::as_path)
    }

    /// Every binary mapped in the process (the executable first; not the vdso), opened,
    /// with the separate debug file its DWARF and symbols come from.
    pub(crate) fn debug_files(&mut self, pid: Pid) -> Vec<(PathBuf, Option<PathBuf>)> {
        let mut found = Vec::new();
        for image in self.all(pid) {
            if !image.path.is_absolute() {
                continue;
            }
            let _ = self.module(&image.path);
            let debug = self.debug_file(&image.path).map(Path::to_path_buf);
            found.push((image.path, debug));
        }
        found
    }

    /// Forget everything (a new program after exec).
    pub(crate) fn reset(&mut self) {
        self.images.clear();
        // The new program's vdso may sit elsewhere; its bytes are read again.
        self.modules.remove(Path::new(VDSO));
        self.executable = None;
        self.stale = true;
        self.code_maps = None;
    }

    /// The process ran: libraries may have been loaded or unloaded.
    pub(crate) fn mark_stale(&mut self) {
        self.stale = true;
        self.code_maps = None;
    }

    /// Whether `address` is in executable memory of process `pid`: answered from the
    /// mappings read last while no library came or went since, read again when those say
    /// no (code mapped meanwhile, as a JIT does) or are gone.
    pub(crate) fn check_executable(
        &mut self,
        pid: Pid,
        address: VirtAddr,
    ) -> dbg_memory::Result<()> {
        if let Some(maps) = &self.code_maps {
            if maps.check_executable(address).is_ok() {
                return Ok(());
            }
        }
        let maps = Mappings::read(pid)?;
        let checked = maps.check_executable(address);
        self.code_maps = Some(maps);
        checked
    }

    /// Read the mappings again if they may have changed.
    fn refresh(&mut self, pid: Pid) {
        if !self.stale && !self.images.is_empty() {
            return;
        }
        self.stale = false;
        let pid = live_task(pid);
        let Ok(mappings) = Mappings::read(pid) else {
            return;
        };
        let executable = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
        let mut images: Vec<Image> = Vec::new();
        // The vdso is an ELF image the kernel maps without a file: its bytes are read from
        // the process (two pages or so), once.
        if let Some(vdso) = mappings.0.iter().find(|m| m.path == VDSO) {
            self.modules.entry(PathBuf::from(VDSO)).or_insert_with(|| {
                let bytes = read_process_memory(pid, vdso.start, vdso.end)?;
                Module::parse(Box::new(bytes)).ok().map(Arc::new)
            });
        }
        let binaries = mappings
            .0
            .iter()
            .filter(|m| m.path.starts_with('/') || m.path == VDSO);
        // One pass, by path as text (a process may map hundreds of libraries, and the list
        // is read again at each load): each binary's extent, and the start of its mapping of
        // file offset 0 (where its bias comes from).
        let mut by_path: std::collections::HashMap<&str, usize> = Default::default();
        let mut first_page: Vec<Option<VirtAddr>> = Vec::new();
        for mapping in binaries {
            let index = *by_path.entry(mapping.path.as_str()).or_insert_with(|| {
                images.push(Image {
                    path: PathBuf::from(&mapping.path),
                    start: mapping.start,
                    end: mapping.end,
                    bias: LoadBias::default(),
                });
                first_page.push(None);
                images.len() - 1
            });
            if let Some(image) = images.get_mut(index) {
                image.start = image.start.min(mapping.start);
                image.end = image.end.max(mapping.end);
            }
            if mapping.offset == 0 {
                if let Some(first) = first_page.get_mut(index) {
                    *first = Some(first.map_or(mapping.start, |f| f.min(mapping.start)));
                }
            }
        }
        for (image, first) in images.iter_mut().zip(first_page) {
            // Binaries are not opened for this: their symbols are read when first wanted.
            let Some((module_entry, base)) = self.layout(&image.path) else {
                continue;
            };
            let is_executable = executable.as_deref() == Some(image.path.as_path());
            let entry = if is_executable { auxv_entry(pid) } else { None };
            image.bias = match entry {
                // The executable's bias from the kernel's own record of its entry point.
                Some(entry) => LoadBias::between(entry, module_entry),
                None => {
                    let page = FileAddr::new(base.get() & !0xfff);
                    LoadBias::between(first.unwrap_or(image.start), page)
                }
            };
        }
        images.sort_by_key(|i| i.start);
        self.images = images;
        self.executable = executable;
    }

    /// The entry point and lowest segment address of the binary at `path`: from its module
    /// when it is open, else from its first page (read once), else from the module opened.
    fn layout(&mut self, path: &Path) -> Option<(FileAddr, FileAddr)> {
        if let Some(Some(module)) = self.modules.get(path) {
            return Some((module.entry(), module.base_address()));
        }
        if let Some(layout) = self.layouts.get(path) {
            return *layout;
        }
        let layout = match read_head(path) {
            Some(head) if head.starts_with(b"\x7fELF") => {
                dbg_symbols::load_layout(&head).or_else(|| {
                    let module = open(
                        &mut self.modules,
                        path,
                        &mut self.warnings,
                        &mut self.debug_files,
                        &self.notices,
                    )?;
                    Some((module.entry(), module.base_address()))
                })
            }
            // Not a binary (the linker's /etc/ld.so.cache while it loads libraries), or
            // unreadable: opening it says which, once.
            _ => {
                let module = open(
                    &mut self.modules,
                    path,
                    &mut self.warnings,
                    &mut self.debug_files,
                    &self.notices,
                )?;
                Some((module.entry(), module.base_address()))
            }
        };
        self.layouts.insert(path.to_path_buf(), layout);
        layout
    }

    /// Read the mappings now (the dynamic linker said its list changed).
    pub(crate) fn reload(&mut self, pid: Pid) {
        self.stale = true;
        self.code_maps = None;
        self.refresh(pid);
    }

    /// The known image containing `address`, without reading the mappings.
    pub(crate) fn known_image_at(&self, address: VirtAddr) -> Option<Image> {
        self.images
            .iter()
            .find(|i| i.start <= address && address < i.end)
            .cloned()
    }

    /// Whether `image` is the main executable's or the vdso (not libraries).
    pub(crate) fn is_program_or_vdso(&self, image: &Image) -> bool {
        Some(&image.path) == self.executable.as_ref() || image.path == Path::new(VDSO)
    }

    /// The binaries mapped in the process other than the executable and the vdso, with
    /// their load biases, straight from the mappings (the executable is not opened: the
    /// dynamic linker is looked for among the others, at launch, before anything else).
    /// Binaries not opened before are read without their separate debug files, and not
    /// kept.
    pub(crate) fn other_binaries(&mut self, pid: Pid) -> Vec<(LoadBias, Arc<Module>)> {
        let pid = live_task(pid);
        let Ok(mappings) = Mappings::read(pid) else {
            return Vec::new();
        };
        let executable = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
        let mut paths: Vec<PathBuf> = mappings
            .0
            .iter()
            .filter(|m| m.path.starts_with('/'))
            .map(|m| PathBuf::from(&m.path))
            .filter(|path| Some(path) != executable.as_ref())
            .collect();
        paths.dedup();
        paths
            .into_iter()
            .filter_map(|path| {
                // The binary as it is, without its debug file: only its own symbols are
                // asked for. A binary not opened yet is not kept open either.
                let module = match self.modules.get(&path) {
                    Some(Some(module)) => module.clone(),
                    _ => {
                        let file = dbg_sys::file::MappedFile::open(&path).ok()?;
                        if !file.as_ref().starts_with(b"\x7fELF") {
                            return None;
                        }
                        Arc::new(Module::parse(Box::new(file)).ok()?)
                    }
                };
                let bias = mapped_bias(&mappings, &path, &module)?;
                Some((bias, module))
            })
            .collect()
    }

    /// The image containing `address`, reading the mappings again if it is in none.
    pub(crate) fn image_at(&mut self, pid: Pid, address: VirtAddr) -> Option<Image> {
        let find = |images: &[Image]| {
            images
                .iter()
                .find(|i| i.start <= address && address < i.end)
                .cloned()
        };
        // An address in a binary already known is answered without reading /proc again: a
        // conditional breakpoint asks at every hit. (A binary unloaded since is found by
        // the library tracking of the dynamic linker's interface, not here.)
        if let Some(image) = find(&self.images) {
            return Some(image);
        }
        // Not in a known binary: read the mappings again, unless they were read since the
        // process last ran (a stack or heap address is in no binary, and pointers to them
        // are symbolized by the dozen when values print).
        self.refresh(pid);
        find(&self.images)
    }

    /// The opened binary at `path`.
    pub(crate) fn module(&mut self, path: &Path) -> Option<&Module> {
        open(
            &mut self.modules,
            path,
            &mut self.warnings,
            &mut self.debug_files,
            &self.notices,
        )
        .map(|m| &**m)
    }

    /// The image and a shared handle on its opened binary for `address`.
    pub(crate) fn shared_module_at(
        &mut self,
        pid: Pid,
        address: VirtAddr,
    ) -> Option<(Image, Arc<Module>)> {
        let image = self.image_at(pid, address)?;
        let module = open(
            &mut self.modules,
            &image.path,
            &mut self.warnings,
            &mut self.debug_files,
            &self.notices,
        )?
        .clone();
        Some((image, module))
    }

    /// Whether `module` is the main executable's.
    pub(crate) fn is_executable(&self, module: &Arc<Module>) -> bool {
        self.executable
            .as_ref()
            .and_then(|path| self.modules.get(path))
            .and_then(Option::as_ref)
            .is_some_and(|executable| Arc::ptr_eq(executable, module))
    }

    /// Every image with its opened binary, the main executable first, as last read: the
    /// mappings are read again only when none are known (names are looked up in the
    /// binaries at every conditional hit; a library loaded since is found by the library
    /// tracking, or by the next lookup of an address in it).
    pub(crate) fn shared_modules(&mut self, pid: Pid) -> Vec<(Image, Arc<Module>)> {
        if self.images.is_empty() {
            self.refresh(pid);
        }
        let mut images = self.images.clone();
        let executable = self.executable.clone();
        images.sort_by_key(|i| Some(&i.path) != executable.as_ref());
        images
            .into_iter()
            .filter_map(|image| {
                let module = open(
                    &mut self.modules,
                    &image.path,
                    &mut self.warnings,
                    &mut self.debug_files,
                    &self.notices,
                )?
                .clone();
                Some((image, module))
            })
            .collect()
    }

    /// Note that the symbols of `path` failed to read (said once per binary).
    pub(crate) fn note(&mut self, path: &Path, source: dbg_symbols::Error) {
        self.warnings.push(SymbolWarning::Symbols {
            path: path.to_path_buf(),
            source,
        });
    }

    /// What went wrong reading symbols since the last call, each binary once.
    pub(crate) fn take_warnings(&mut self) -> Vec<SymbolWarning> {
        let mut fresh = Vec::new();
        for warning in std::mem::take(&mut self.warnings) {
            let path = match &warning {
                SymbolWarning::Open { path, .. } | SymbolWarning::Symbols { path, .. } => path,
            };
            if self.warned.insert(path.clone()) {
                fresh.push(warning);
            }
        }
        fresh
    }

    /// `result`'s value, or `fallback` after noting its error against `path`.
    fn noted<T>(&mut self, path: &Path, result: dbg_symbols::Result<T>, fallback: T) -> T {
        match result {
            Ok(value) => value,
            Err(error) => {
                let queued = self.warnings.iter().any(|warning| match warning {
                    SymbolWarning::Open { path: p, .. }
                    | SymbolWarning::Symbols { path: p, .. } => p == path,
                });
                if !queued && !self.warned.contains(path) {
                    self.note(path, error);
                }
                fallback
            }
        }
    }

    /// Every image, the main executable first.
    pub(crate) fn all(&mut self, pid: Pid) -> Vec<Image> {
        self.refresh(pid);
        let mut images = self.images.clone();
        let executable = self.executable.clone();
        images.sort_by_key(|i| Some(&i.path) != executable.as_ref());
        images
    }

    /// The functions at `address`, innermost (an inlined one) first, each with its source
    /// position (for the ones an inlined function was inlined into: the call's). `caller`
    /// says `address` is a return address: the call before it is looked up.
    pub(crate) fn logical_frames(
        &mut self,
        pid: Pid,
        address: VirtAddr,
        caller: bool,
    ) -> Vec<CodePlace> {
        let lookup = address.wrapping_sub(u64::from(caller));
        let Some(mut place) = self.place(pid, lookup) else {
            return Vec::new();
        };
        if let Some(offset) = place.offset.as_mut() {
            *offset += u64::from(caller);
        }
        let Some(image) = self.image_at(pid, lookup) else {
            return vec![place];
        };
        let Some(module) = self.module(&image.path) else {
            return vec![place];
        };
        let local = image.bias.to_file(lookup);
        let (frames, symbol) = (module.frames_at(local), module.symbol_at(local));
        let frames = self.noted(&image.path, frames, Vec::new());
        if frames.len() < 2 {
            return vec![place];
        }
        let count = frames.len();
        frames
            .into_iter()
            .enumerate()
            .map(|(index, frame)| {
                let outermost = index + 1 == count;
                let source = if index == 0 {
                    place.source.clone()
                } else {
                    frame.location
                };
                CodePlace {
                    function: frame.function.or_else(|| place.function.clone()),
                    offset: match (&symbol, outermost) {
                        (Some((_, offset)), true) => Some(offset + u64::from(caller)),
                        _ => None,
                    },
                    source,
                    module: place.module.clone(),
                }
            })
            .collect()
    }

    /// The source line of `address` (line table only: cheap enough for every step).
    pub(crate) fn line_at(&mut self, pid: Pid, address: VirtAddr) -> Option<SourceLine> {
        let (image, module) = self.module_at(pid, address)?;
        let line = module.line_at(image.bias.to_file(address));
        self.noted(&image.path, line, None)
    }

    /// How many functions are at `address`: 1, plus one per inlined function it is in.
    pub(crate) fn inline_depth(&mut self, pid: Pid, address: VirtAddr) -> usize {
        let Some((image, module)) = self.module_at(pid, address) else {
            return 1;
        };
        let frames = module
            .frames_at(image.bias.to_file(address))
            .map(|f| f.len());
        self.noted(&image.path, frames, 0).max(1)
    }

    /// Where line-table rows start around `address` (up to `reach` rows either side, and the
    /// end of its sequence when within reach), ascending.
    pub(crate) fn row_starts(
        &mut self,
        pid: Pid,
        address: VirtAddr,
        reach: usize,
    ) -> Option<Vec<VirtAddr>> {
        let (image, module) = self.module_at(pid, address)?;
        let starts = module.row_starts(image.bias.to_file(address), reach);
        let starts = self.noted(&image.path, starts, None)?;
        Some(starts.into_iter().map(|a| image.bias.to_virt(a)).collect())
    }

    /// Whether a source statement starts at `address`.
    pub(crate) fn is_statement_start(&mut self, pid: Pid, address: VirtAddr) -> bool {
        let Some((image, module)) = self.module_at(pid, address) else {
            return false;
        };
        let start = module.is_statement_start(image.bias.to_file(address));
        self.noted(&image.path, start, false)
    }

    /// For the function that starts at `address`: where its body starts, past the prologue.
    pub(crate) fn after_prologue(&mut self, pid: Pid, address: VirtAddr) -> Option<VirtAddr> {
        let (image, module) = self.module_at(pid, address)?;
        let local = image.bias.to_file(address);
        let function = module.function_at(local)?;
        if function.low != local {
            return None;
        }
        let body = module.after_prologue(function.low, function.high);
        let body = self.noted(&image.path, body, None)?;
        Some(image.bias.to_virt(body))
    }

    /// `function+offset` for `address`, from the ELF symbols alone (cheap: for listings).
    pub(crate) fn symbol_at(&mut self, pid: Pid, address: VirtAddr) -> Option<String> {
        let (image, module) = self.module_at(pid, address)?;
        let (symbol, offset) = module.symbol_at(image.bias.to_file(address))?;
        Some(format!("{}+{offset}", symbol.name))
    }

    /// The image and opened binary for `address`.
    pub(crate) fn module_at(&mut self, pid: Pid, address: VirtAddr) -> Option<(Image, &Module)> {
        let image = self.image_at(pid, address)?;
        let module = self.module(&image.path)?;
        Some((image, module))
    }

    /// What the symbols say about `address`.
    pub(crate) fn place(&mut self, pid: Pid, address: VirtAddr) -> Option<CodePlace> {
        let Some(image) = self.image_at(pid, address) else {
            // No binary there: name the mapping (`[stack]`, `[heap]`, anonymous memory).
            let mappings = Mappings::read(live_task(pid)).ok()?;
            let mapping = mappings.find(address)?;
            let name = if mapping.path.is_empty() {
                format!(
                    "anonymous memory {:#x}-{:#x} ({})",
                    mapping.start, mapping.end, mapping.perms
                )
            } else {
                mapping.path.clone()
            };
            return Some(CodePlace {
                function: None,
                offset: None,
                source: None,
                module: Some(name),
            });
        };
        let module = self.module(&image.path)?;
        let local = image.bias.to_file(address);
        let symbol = module.symbol_at(local);
        let (frames, source) = (module.frames_at(local), module.line_at(local));
        let frames = self.noted(&image.path, frames, Vec::new());
        let source = self.noted(&image.path, source, None);
        let innermost = frames.first().filter(|f| f.inlined);
        // DWARF names the function as its source does where several ELF symbols alias one
        // address (libc's `write`, `__write` and `__GI___libc_write`): gdb shows that name.
        let named = frames
            .last()
            .filter(|f| !f.inlined)
            .and_then(|f| f.function.clone());
        let (function, offset) = match (innermost, symbol) {
            (Some(inlined), _) if inlined.function.is_some() => (inlined.function.clone(), None),
            (_, Some((symbol, offset))) => (Some(named.unwrap_or(symbol.name)), Some(offset)),
            (_, None) => (frames.last().and_then(|f| f.function.clone()), None),
        };
        Some(CodePlace {
            function,
            offset,
            source,
            module: Some(image.path.to_string_lossy().into_owned()),
        })
    }
}

/// The load bias of the binary `module` mapped from `path`: the first page of the file is
/// mapped at the first segment's page.
fn mapped_bias(mappings: &Mappings, path: &Path, module: &Module) -> Option<LoadBias> {
    let first = mappings
        .0
        .iter()
        .filter(|m| Path::new(&m.path) == path && m.offset == 0)
        .map(|m| m.start)
        .min()?;
    let page = FileAddr::new(module.base_address().get() & !0xfff);
    Some(LoadBias::between(first, page))
}

/// The binary at `path`, opened on first need; a failure is noted in `warnings` once (the
/// binary then stays unopened: `None`).
fn open<'m>(
    modules: &'m mut BTreeMap<PathBuf, Option<Arc<Module>>>,
    path: &Path,
    warnings: &mut Vec<SymbolWarning>,
    debug_files: &mut DebugFiles,
    notices: &Notices,
) -> Option<&'m Arc<Module>> {
    modules
        .entry(path.to_path_buf())
        .or_insert_with(|| {
            let path = path.to_path_buf();
            let file = match dbg_sys::file::MappedFile::open(&path) {
                Ok(file) => file,
                Err(source) => {
                    warnings.push(SymbolWarning::Open { path, source });
                    return None;
                }
            };
            // A data file mapped by the program (the linker's /etc/ld.so.cache while it
            // loads libraries) is no binary, and no error either.
            if !file.as_ref().starts_with(b"\x7fELF") {
                return None;
            }
            // The map is shared with the module's page release: a scan of all the DWARF
            // (a breakpoint by name looks for inlined copies everywhere) gives its pages
            // back as it goes.
            let file = Arc::new(file);
            let bytes = Box::new(SharedMap(file.clone()));
            match Module::parse(bytes) {
                Ok(module) => {
                    let mut module = module
                        .with_release(Box::new(move |range| file.release(range)))
                        .with_progress(notices.hook(&path));
                    // The vdso has no file, and so no debug file to look for.
                    if path.is_absolute() {
                        if let Some((found, debug)) = debug_files.find(&path, &module) {
                            let debug = debug.with_progress(notices.hook(&found));
                            module = module.with_debug_file(debug);
                            debug_files.found.insert(path, found);
                        }
                    }
                    Some(Arc::new(module))
                }
                Err(source) => {
                    warnings.push(SymbolWarning::Symbols { path, source });
                    None
                }
            }
        })
        .as_ref()
}

/// The first bytes of the file at `path`: enough for an ELF header and its program headers.
fn read_head(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    const HEAD: u64 = 4096;
    let mut head = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(HEAD)
        .read_to_end(&mut head)
        .ok()?;
    Some(head)
}

/// A memory-mapped binary lent to a [`Module`] while the session keeps a handle on the map
/// to give pages back.
struct SharedMap(Arc<dbg_sys::file::MappedFile>);

impl AsRef<[u8]> for SharedMap {
    fn as_ref(&self) -> &[u8] {
        self.0.as_ref().as_ref()
    }
}

/// A thread of process `pid` whose `/proc` entries show the process's memory: `pid` itself,
/// unless the main thread has exited before the others (a zombie has no maps, auxv or mem
/// to show); then the first live thread. `/proc/TID/...` works for any thread.
fn live_task(pid: Pid) -> Pid {
    let zombie = |tid: &str| {
        std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat"))
            .ok()
            .and_then(|stat| {
                let (_, after_name) = stat.rsplit_once(") ")?;
                after_name.chars().next()
            })
            .is_none_or(|state| state == 'Z' || state == 'X')
    };
    if !zombie(&pid.to_string()) {
        return pid;
    }
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()
        .and_then(|tasks| {
            tasks
                .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                .find(|tid| !zombie(tid))
                .and_then(|tid| tid.parse().ok())
        })
        .map_or(pid, Pid::from_raw)
}

/// `AT_ENTRY` of the process, from `/proc/PID/auxv`.
fn auxv_entry(pid: Pid) -> Option<VirtAddr> {
    let bytes = std::fs::read(format!("/proc/{pid}/auxv")).ok()?;
    bytes.chunks_exact(16).find_map(|pair| {
        let key = u64::from_ne_bytes(pair.get(..8)?.try_into().ok()?);
        let value = u64::from_ne_bytes(pair.get(8..16)?.try_into().ok()?);
        (key == AT_ENTRY).then_some(VirtAddr::new(value))
    })
}
