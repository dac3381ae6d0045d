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
