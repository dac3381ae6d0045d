//! Background jobs, in one place: each job with its own interval, each run on the blocking
//! pool. A job that fails logs the failure and runs again at its next tick.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::state::AppState;

/// One background job.
pub struct Job {
    pub name: &'static str,
    pub every: Duration,
    run: Arc<dyn Fn(&AppState) + Send + Sync>,
}

/// The jobs a serving process runs.
pub fn jobs(state: &AppState) -> Vec<Job> {
    let purge_every = Duration::from_secs(state.settings.retention.purge_interval_seconds);
    vec![
        Job {
            name: "retention purge",
            every: purge_every,
            run: Arc::new(|state: &AppState| {
                match crate::retention::purge_blocking(&state.db, &state.settings) {
                    Ok(report) if report.ran => tracing::info!(
                        sessions = report.sessions,
                        accounts = report.accounts,
                        requests = report.decided_requests,
                        undecided_requests = report.undecided_requests,
                        sanctions = report.ended_sanctions,
                        invites = report.spent_invites,
                        modlog = report.modlog_lines,
                        announcements = report.expired_announcements,
                        reports = report.old_reports,
                        posts = report.forum_posts,
                        messages = report.chat_messages,
                        room_sanctions = report.ended_room_sanctions,
                        "retention purge done"
                    ),
                    Ok(_) => tracing::info!("retention purge runs in another process"),
                    Err(e) => tracing::error!(error = %e, "retention purge failed"),
                }
            }),
        },
        Job {
            // SQLite: the write-ahead log is folded back into the file here, off every write
            // path (see `db::ConnectionManager`: the connections do not checkpoint on their own).
            name: "checkpoint",
            every: Duration::from_secs(2),
            run: Arc::new(|state: &AppState| {
                if let Err(e) = state.db.checkpoint_passive_blocking() {
                    tracing::warn!(error = %e, "checkpoint failed");
                }
            }),
        },
        Job {
            // SQLite: what was deleted (by a member, a leader or the purge) is overwritten in
            // the database file at once (`secure_delete`), but its old page stays in `-wal`
            // until the log is truncated: so it is, every minute by default, within the
            // five minutes the privacy page promises.
            name: "scrub the write-ahead log",
            every: Duration::from_secs(state.settings.retention.scrub_interval_seconds),
            run: Arc::new(|state: &AppState| match state.db.scrub_blocking() {
                Ok(true) => {}
                Ok(false) => tracing::debug!("write-ahead log busy; it is truncated next time"),
                Err(e) => tracing::warn!(error = %e, "truncating checkpoint failed"),
            }),
        },
        Job {
            name: "give freed memory back",
            every: Duration::from_secs(60),
            run: Arc::new(|_: &AppState| give_freed_memory_back()),
        },
        Job {
            name: "forget idle rate-limit keys",
            every: Duration::from_secs(300),
            run: Arc::new(|state: &AppState| state.limits.forget_idle()),
        },
    ]
}

/// Hands the allocator's free pages back to the operating system. glibc returns memory only
/// from the top of each heap; what a burst (10,000 chat connections arriving, their presence
/// lists and history pages) freed in the middle stays resident, interleaved with what the
/// connections keep: about 7 MiB of 215 after 10,000 arrivals. `malloc_trim` releases those
/// whole free pages of every arena (a few milliseconds once a minute, on the blocking pool).
fn give_freed_memory_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; 0 keeps no padding.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The running jobs; dropping it does not stop them, [`Scheduler::stop`] does.
pub struct Scheduler {
    handles: Vec<JoinHandle<()>>,
}

impl Scheduler {
    /// Starts every job: each runs at once, then every `every`.
    pub fn start(state: Arc<AppState>) -> Scheduler {
        let handles = jobs(&state)
            .into_iter()
            .map(|job| {
                let state = Arc::clone(&state);
                tokio::spawn(async move {
                    let mut ticker = tokio::time::interval(job.every);
                    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    loop {
                        ticker.tick().await;
                        let (run, state) = (Arc::clone(&job.run), Arc::clone(&state));
                        if let Err(e) = crate::blocking::run(move || run(&state)).await {
                            tracing::error!(job = job.name, error = %e, "background job panicked");
                        }
                    }
                })
            })
            .collect();
        Scheduler { handles }
    }

    pub fn stop(self) {
        for handle in self.handles {
            handle.abort();
        }
    }
}
