fn main() -> std::process::ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    give_large_blocks_back_to_the_os();
    kring::cli::main()
}

/// Every password hash takes argon2's memory (`passwords.memory_kib`, 19 MiB) in one
/// allocation and frees it when done. glibc serves the first such block with its own `mmap`
/// and unmaps it on free, but then raises its mmap threshold above that size, so every later
/// block comes from a thread's heap arena and stays there: after 100 logins the arenas held
/// two to five blocks each, 660-950 MiB resident, and never gave them back.
///
/// A fixed threshold turns that adjustment off: each block is mapped for its hash and
/// unmapped after it. The price is faulting its pages in again, about 10 ms of system time
/// per hash on the 2-core test machine, beside argon2's own 30 ms. 1 MiB is far below
/// argon2's block and above what a request usually allocates in one piece. This runs before
/// `cli::main`, so before any thread allocates; mallopt refuses only values over 32 MiB.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn give_large_blocks_back_to_the_os() {
    const MMAP_THRESHOLD_BYTES: libc::c_int = 1 << 20;
    // SAFETY: mallopt only sets a parameter of the allocator; any value is safe to pass.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
    }
}

/// Every HTTP connection's read and write buffers (actix-http's `HW_BUFFER_SIZE`, 8 KiB
/// each) come from pages of their own, mapped for the buffer and unmapped when it goes.
///
/// An idle chat connection touches only the first few hundred bytes of each (the handshake
/// it read, the frames it was written), but taken from the heap the buffers land on pages
/// that the handshakes' freed temporaries had already made resident, and all of their
/// 16 KiB counts. On their own pages the untouched rest costs nothing: scenario 1 of
/// `chatload` went from 19.0 to about 17 KiB per idle connection (benches/RESULTS.md).
/// glibc's own mmap threshold at 8 KiB did the same, but for every larger block too (a
/// page's body, a JSON answer), each then paying a map, an unmap and fresh pages.
///
/// Only blocks of exactly 8 KiB, aligned to at most 16, are served so; everything else goes
/// to the system allocator untouched. If the kernel refuses a mapping (its map count), the
/// block comes from the system allocator after all, 16 bytes into a larger block: mapped
/// blocks start on a page, these never do, which is how `dealloc` tells them apart.
#[cfg(unix)]
mod buffers {
    use std::alloc::{GlobalAlloc, Layout, System};

    pub struct OwnPages;

    const SIZE: usize = 8 * 1024;
    const PAGE: usize = 4096;
    /// The fallback's offset into its larger block (and the block's alignment).
    const OFFSET: usize = 16;

    fn served(layout: Layout) -> bool {
        layout.size() == SIZE && layout.align() <= OFFSET
    }

    /// The fallback's larger block.
    const FALLBACK: Layout = match Layout::from_size_align(SIZE + OFFSET, OFFSET) {
        Ok(layout) => layout,
        Err(_) => panic!("a valid layout"),
    };

    /// A block of SIZE when the kernel refused a mapping: never on a page boundary.
    pub(super) fn from_the_system() -> *mut u8 {
        // SAFETY: a valid, non-zero layout.
        let block = unsafe { System.alloc(FALLBACK) };
        if block.is_null() {
            return block;
        }
        // SAFETY: OFFSET + SIZE lies within the block.
        unsafe { block.add(OFFSET) }
    }

    // SAFETY: every block handed out is SIZE bytes, aligned to at least 16, and freed the way
    // it was made: mapped blocks (page-aligned) are unmapped, fallback blocks (never
    // page-aligned) go back to the system allocator with the layout they were made with.
    unsafe impl GlobalAlloc for OwnPages {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            if !served(layout) {
                // SAFETY: the caller's layout, as given.
                return unsafe { System.alloc(layout) };
            }
            // SAFETY: a fresh private anonymous mapping; no memory of ours is touched.
            let page = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    SIZE,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                )
            };
            if page != libc::MAP_FAILED {
                return page.cast();
            }
            from_the_system()
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            if !served(layout) {
                // SAFETY: made by System.alloc with this layout.
                return unsafe { System.dealloc(ptr, layout) };
            }
            if (ptr as usize).is_multiple_of(PAGE) {
                // SAFETY: a mapping of SIZE bytes made by `alloc`, not used after this.
                unsafe { libc::munmap(ptr.cast(), SIZE) };
            } else {
                // SAFETY: a fallback block, OFFSET bytes into what System.alloc gave.
                unsafe { System.dealloc(ptr.sub(OFFSET), FALLBACK) };
            }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            if !served(layout) && new_size != SIZE {
                // SAFETY: made by System with this layout; the caller's new size.
                return unsafe { System.realloc(ptr, layout, new_size) };
            }
            // Into or out of an own-pages block: a new block, a copy, the old one freed.
            let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
                return std::ptr::null_mut();
            };
            // SAFETY: a valid layout; the copy stays within both blocks; the old block was
            // made by this allocator with `layout`.
            unsafe {
                let new = self.alloc(new_layout);
                if !new.is_null() {
                    std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                }
                new
            }
        }
    }
}

#[cfg(unix)]
#[global_allocator]
static ALLOCATOR: buffers::OwnPages = buffers::OwnPages;

#[cfg(all(test, unix))]
mod tests {
    use std::alloc::{GlobalAlloc, Layout};

    use super::buffers::{self, OwnPages};

    #[test]
    fn eight_kib_blocks_get_pages_of_their_own_and_everything_else_is_the_systems() {
        let buffer = Layout::from_size_align(8 * 1024, 1).unwrap();
        let other = Layout::from_size_align(8 * 1024 + 1, 1).unwrap();
        // SAFETY: each block is written within its size and freed with its layout.
        unsafe {
            let block = OwnPages.alloc(buffer);
            assert!(
                (block as usize).is_multiple_of(4096),
                "on a page of its own"
            );
            block.write_bytes(7, 8 * 1024);
            // Out of an own-pages block and back into one, the contents kept.
            let grown = OwnPages.realloc(block, buffer, 16 * 1024);
            assert_eq!(*grown.add(8 * 1024 - 1), 7);
            let back = OwnPages.realloc(
                grown,
                Layout::from_size_align(16 * 1024, 1).unwrap(),
                8 * 1024,
            );
            assert!((back as usize).is_multiple_of(4096));
            assert_eq!(*back, 7);
            OwnPages.dealloc(back, buffer);
            let small = OwnPages.alloc(other);
            small.write_bytes(1, other.size());
            OwnPages.dealloc(small, other);
            // The system's block when the kernel refuses a mapping: freed the same way.
            let fallback = buffers::from_the_system();
            assert!(!(fallback as usize).is_multiple_of(4096));
            fallback.write_bytes(3, 8 * 1024);
            OwnPages.dealloc(fallback, buffer);
        }
    }
}
