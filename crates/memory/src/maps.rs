//! The memory map of a process, from `/proc/PID/maps`.

use dbg_process::Pid;
use dbg_sys::VirtAddr;

use crate::error::{Error, Result};

/// One mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// First address.
    pub start: VirtAddr,
    /// One past the last address.
    pub end: VirtAddr,
    /// Permissions as the kernel writes them, e.g. `r-xp`.
    pub perms: String,
    /// Offset in the file.
    pub offset: u64,
    /// The file, or a pseudo-name like `[stack]`, or empty.
    pub path: String,
}

impl Mapping {
    /// Whether code may run from it.
    pub fn executable(&self) -> bool {
        self.perms.as_bytes().get(2) == Some(&b'x')
    }

    /// Whether it is readable.
    pub fn readable(&self) -> bool {
        self.perms.as_bytes().first() == Some(&b'r')
    }
}

/// All mappings of a process, in address order.
#[derive(Debug, Clone, Default)]
pub struct Mappings(pub Vec<Mapping>);

impl Mappings {
    /// Read the mappings of `pid`.
    pub fn read(pid: Pid) -> Result<Mappings> {
        let text =
            std::fs::read_to_string(format!("/proc/{pid}/maps")).map_err(|source| Error::Maps {
                pid: pid.as_raw(),
                source,
            })?;
        Ok(Mappings::parse(&text))
    }

    /// Parse the text of a maps file; malformed lines are skipped.
    pub fn parse(text: &str) -> Mappings {
        Mappings(text.lines().filter_map(parse_line).collect())
    }

    /// The mapping that contains `addr`.
    pub fn find(&self, addr: VirtAddr) -> Option<&Mapping> {
        self.0.iter().find(|m| (m.start..m.end).contains(&addr))
    }

    /// The first mapping with this path or pseudo-name.
    pub fn find_named(&self, name: &str) -> Option<&Mapping> {
        self.0.iter().find(|m| m.path == name)
    }

    /// Check that code at `addr` could run: mapped and executable.
    pub fn check_executable(&self, addr: VirtAddr) -> Result<()> {
        match self.find(addr) {
            None => Err(Error::NotMapped(addr)),
            Some(m) if !m.executable() => Err(Error::NotExecutable {
                addr,
                perms: m.perms.clone(),
                path: if m.path.is_empty() {
                    "(anonymous)".into()
                } else {
                    m.path.clone()
                },
            }),
            Some(_) => Ok(()),
        }
    }
}

fn parse_line(line: &str) -> Option<Mapping> {
    let mut fields = line.splitn(6, ' ');
    let (start, end) = fields.next()?.split_once('-')?;
    let perms = fields.next()?.to_string();
    let offset = u64::from_str_radix(fields.next()?, 16).ok()?;
    let _device = fields.next()?;
    let _inode = fields.next()?;
    let path = fields.next().unwrap_or("").trim().to_string();
    Some(Mapping {
        start: VirtAddr::new(u64::from_str_radix(start, 16).ok()?),
        end: VirtAddr::new(u64::from_str_radix(end, 16).ok()?),
        perms,
        offset,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kernel_lines_and_skips_garbage() {
        let maps = Mappings::parse(
            "555555554000-555555555000 r--p 00000000 fe:01 123 /bin/x\n\
             555555555000-555555556000 r-xp 00001000 fe:01 123 /bin/x\n\
             nonsense\n\
             7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n",
        );
        assert_eq!(maps.0.len(), 3);
        assert_eq!(
            maps.find(VirtAddr::new(0x555555555123))
                .map(|m| m.perms.as_str()),
            Some("r-xp")
        );
        assert_eq!(
            maps.find_named("[stack]").map(|m| m.start),
            Some(VirtAddr::new(0x7ffffffde000))
        );
        assert!(maps.check_executable(VirtAddr::new(0x555555555000)).is_ok());
        assert!(matches!(
            maps.check_executable(VirtAddr::new(0x555555554000)),
            Err(Error::NotExecutable { .. })
        ));
        assert!(matches!(
            maps.check_executable(VirtAddr::new(0x10)),
            Err(Error::NotMapped(a)) if a.get() == 0x10
        ));
    }
}
