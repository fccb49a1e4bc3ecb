//! A real SMTP server (`mailin-embedded`) with mail-policy deciding at every stage.
//!
//! `cargo run -p examples --example smtp_server [CONFIG]` listens on 127.0.0.1:2525 as an
//! MX for the ISP's domains. Try it with `swaks --server 127.0.0.1:2525 --to
//! taro@aa2.so-net.ne.jp` (accepted) and `--to someone@example.org` (relaying refused,
//! `554 5.7.1 ... (P25-SUBMIT)`).

use examples::PolicyHandler;
use mail_policy::{Config, Engine};
use mailin_embedded::{Server, SslConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = match std::env::args().nth(1) {
        Some(path) => Config::load(path)?,
        None => Config::sonet(),
    };
    // One engine for the life of the server, shared by every connection.
    let engine: &'static Engine = Box::leak(Box::new(Engine::new(&config, "config")?));
    let mut server = Server::new(PolicyHandler::new(engine, 25));
    server
        .with_name("mx.so-net.ne.jp")
        .with_ssl(SslConfig::None)?
        .with_addr("127.0.0.1:2525")?;
    println!("listening on 127.0.0.1:2525 (role: MX)");
    server.serve()?;
    Ok(())
}
