//! The floor of Kring's websocket stack: actix-web and actix-ws with nothing of Kring's, for
//! scenario 1 (idle connections). Each connection is upgraded by `actix_ws::handle` and
//! then only pinged every 20 s (Kring's heartbeat), answering pings with pongs. One worker,
//! as the runner gives Kring, and glibc's mmap threshold fixed as Kring's `main` fixes it.
//!
//! ```text
//! cargo build --release -p chatload --example actix_floor
//! taskset -c 0 target/release/examples/actix_floor 9100 &
//! taskset -c 1 target/release/chatload load --url 'ws://127.0.0.1:9100/ws/{room}' \
//!     --rooms 100 --clients-per-room 100 --senders-per-room 0 --rate 1 --duration 90
//! ```
//!
//! `KRING_FLOOR_GREETING=1` adds the frames a connection gets on joining (see [`greeting`]).
//!
//! Read the server's VmRSS (`/proc/<pid>/status`) before the load connects and near the end
//! of the hold; the growth divided by 10,000 is the stack's own cost per idle connection.

use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use futures_util::StreamExt;

/// With `KRING_FLOOR_GREETING=1`, each connection first gets what a Kring connection gets on
/// joining a room of 100: a `ready` frame and ten parts of the list of who is here, about
/// 600 bytes each, with a turn for the dispatcher after each (as Kring's `Pace` gives it).
fn greeting() -> bool {
    std::env::var("KRING_FLOOR_GREETING").as_deref() == Ok("1")
}

async fn upgrade(req: HttpRequest, body: web::Payload) -> actix_web::Result<HttpResponse> {
    let (response, mut session, mut stream) = actix_ws::handle(&req, body)?;
    actix_web::rt::spawn(async move {
        if greeting() {
            for part in 0..11 {
                let text = format!(
                    "{{\"type\":\"part\",\"n\":{part},\"pad\":\"{}\"}}",
                    "x".repeat(560)
                );
                if session.text(text).await.is_err() {
                    return;
                }
                tokio::task::yield_now().await;
            }
        }
        let mut heartbeat = tokio::time::interval(Duration::from_secs(20));
        heartbeat.tick().await;
        loop {
            tokio::select! {
                message = stream.next() => match message {
                    Some(Ok(actix_ws::Message::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() {
                            return;
                        }
                    }
                    Some(Ok(actix_ws::Message::Close(_)) | Err(_)) | None => break,
                    Some(Ok(_)) => {}
                },
                _ = heartbeat.tick() => {
                    if session.ping(b"").await.is_err() {
                        return;
                    }
                }
            }
        }
        let _ = session.close(None).await;
    });
    Ok(response)
}

fn main() -> std::io::Result<()> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a parameter of the allocator; any value is safe to pass.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
    let port: u16 = match std::env::args().nth(1) {
        Some(port) => port
            .parse()
            .map_err(|_| std::io::Error::other("the port is a number"))?,
        None => 9100,
    };
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| App::new().route("/ws/{room}", web::get().to(upgrade)))
            .workers(1)
            .backlog(4096)
            .bind(("127.0.0.1", port))?
            .run()
            .await
    })
}
