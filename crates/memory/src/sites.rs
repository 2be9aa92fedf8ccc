//! Software breakpoint sites: the `int3` bytes dbg writes into the tracee, and the original
//! bytes they replace.
//!
//! One site per address, shared by every breakpoint that uses it (reference-counted), so
//! deleting one of two breakpoints at an address keeps the `int3`. Reads are patched back to the
//! original bytes before anyone sees them; a user write that covers a site updates the
//! remembered byte and keeps the `int3` in place.

use std::collections::BTreeMap;

use crate::access::Memory;
use crate::error::Result;

/// The x86 breakpoint instruction.
pub const INT3: u8 = 0xcc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Site {
    original: u8,
    users: u32,
    /// False while lifted to step over it.
    inserted: bool,
}

/// The breakpoint sites of one process.
#[derive(Debug, Default)]
pub struct Sites {
    sites: BTreeMap<u64, Site>,
}

impl Sites {
    /// No sites.
    pub fn new() -> Self {
        Sites::default()
    }

    /// Add a user of the site at `addr`, writing the `int3` if it is the first.
    pub fn add(&mut self, memory: &Memory, addr: u64) -> Result<()> {
        if let Some(site) = self.sites.get_mut(&addr) {
            site.users += 1;
            return Ok(());
        }
        let original = *memory.read_exact(addr, 1)?.first().unwrap_or(&INT3);
        memory.write(addr, &[INT3])?;
        self.sites.insert(
            addr,
            Site {
                original,
                users: 1,
                inserted: true,
            },
        );
        Ok(())
    }

    /// Drop a user of the site at `addr`, restoring the original byte when none is left.
    pub fn release(&mut self, memory: &Memory, addr: u64) -> Result<()> {
        let Some(site) = self.sites.get_mut(&addr) else {
            return Ok(());
        };
        if site.users > 1 {
            site.users -= 1;
            return Ok(());
        }
        if site.inserted {
            memory.write(addr, &[site.original])?;
        }
        self.sites.remove(&addr);
        Ok(())
    }

    /// Whether an `int3` of ours is in memory at `addr`.
    pub fn is_inserted(&self, addr: u64) -> bool {
        self.sites.get(&addr).is_some_and(|s| s.inserted)
    }

    /// The byte our `int3` at `addr` replaced.
    pub fn original(&self, addr: u64) -> Option<u8> {
        self.sites.get(&addr).map(|s| s.original)
    }

    /// Every site address, in order.
    pub fn addresses(&self) -> impl Iterator<Item = u64> + '_ {
        self.sites.keys().copied()
    }

    /// Take the `int3` at `addr` out (to execute the original instruction).
    pub fn lift(&mut self, memory: &Memory, addr: u64) -> Result<()> {
        if let Some(site) = self.sites.get_mut(&addr) {
            if site.inserted {
                memory.poke(addr, &[site.original])?;
                site.inserted = false;
            }
        }
        Ok(())
    }

    /// Put a lifted `int3` back.
    pub fn lower(&mut self, memory: &Memory, addr: u64) -> Result<()> {
        if let Some(site) = self.sites.get_mut(&addr) {
            if !site.inserted {
                memory.poke(addr, &[INT3])?;
                site.inserted = true;
            }
        }
        Ok(())
    }

    /// Replace our `int3` bytes in `bytes` (read at `addr`) with the original bytes.
    pub fn hide(&self, addr: u64, bytes: &mut [u8]) {
        let end = addr.saturating_add(bytes.len() as u64);
        for (site_addr, site) in self.sites.range(addr..end) {
            if site.inserted {
                if let Some(byte) = bytes.get_mut((site_addr - addr) as usize) {
                    *byte = site.original;
                }
            }
        }
    }

    /// Write `data` at `addr` on the user's behalf: bytes that fall on a site become its new
    /// original byte, and the `int3` stays.
    pub fn write_through(&mut self, memory: &Memory, addr: u64, data: &[u8]) -> Result<()> {
        let end = addr.saturating_add(data.len() as u64);
        let mut patched = data.to_vec();
        let covered: Vec<u64> = self.sites.range(addr..end).map(|(a, _)| *a).collect();
        for site_addr in &covered {
            let offset = (site_addr - addr) as usize;
            if let (Some(site), Some(byte)) = (self.sites.get(site_addr), patched.get_mut(offset)) {
                if site.inserted {
                    *byte = INT3;
                }
            }
        }
        memory.write(addr, &patched)?;
        for site_addr in covered {
            let offset = (site_addr - addr) as usize;
            if let (Some(site), Some(byte)) = (self.sites.get_mut(&site_addr), data.get(offset)) {
                site.original = *byte;
            }
        }
        Ok(())
    }

    /// Restore every original byte and forget every site (detach, kill, exec).
    pub fn clear(&mut self, memory: &Memory) -> Result<()> {
        let mut first_error = None;
        for (addr, site) in std::mem::take(&mut self.sites) {
            if site.inserted {
                if let Err(error) = memory.write(addr, &[site.original]) {
                    first_error.get_or_insert(error);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Forget every site without touching memory (the process is gone).
    pub fn forget(&mut self) {
        self.sites.clear();
    }
}
