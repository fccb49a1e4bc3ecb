//! The check behind the `policy_request` fuzz target (the Postfix policy protocol
//! decoder, and the daemon's answer to whatever it decodes), shared with `cargo test`
//! like the others.

use std::sync::{Arc, OnceLock};

use mail_policyd::policy_protocol::{Decoder, MAX_ATTRIBUTES, MAX_LINE, Request};
use mail_policyd::serve::policy::Prechecks;
use mail_policyd::serve::{Limits, Shared, policy};

/// One daemon state for every input (built-in profile): transactions accumulate across
/// inputs as they would across requests.
fn shared() -> &'static Arc<Shared> {
    static SHARED: OnceLock<Arc<Shared>> = OnceLock::new();
    SHARED.get_or_init(|| {
        Shared::new(mail_policy::Engine::sonet(), None, Limits::default())
            .expect("built-in profile")
    })
}

/// The daemon answers any request with one action line: never a panic, never a line
/// break in the action (it would end the reply early), always a Postfix action.
fn check_answer(request: &Request) {
    let answer = policy::answer(
        shared(),
        request,
        &Prechecks::default(),
        chrono::DateTime::from_timestamp(1_796_000_000, 0).expect("a time"),
        std::time::Instant::now(),
    );
    assert!(!answer.action.contains(['\r', '\n']), "{:?}", answer.action);
    let word = answer.action.split(' ').next().unwrap_or_default();
    assert!(
        ["DUNNO", "PREPEND", "DEFER_IF_PERMIT", "DISCARD"].contains(&word)
            || (word.len() == 3 && word.bytes().all(|b| b.is_ascii_digit())),
        "{:?}",
        answer.action
    );
}

/// Feeds `data` to a decoder in two different chunkings: never a panic, the same requests
/// either way, every request within the bounds, and never more buffered than a line, a
/// request's attributes and the input.
#[allow(unreachable_pub)] // public for the fuzz target, private where tests include this file
pub fn policy_request(data: &[u8]) {
    let run = |chunk: usize| {
        let mut decoder = Decoder::new();
        let mut requests = Vec::new();
        let mut error = None;
        'feed: for piece in data.chunks(chunk.max(1)) {
            decoder.feed(piece);
            loop {
                match decoder.next_request() {
                    Ok(Some(request)) => {
                        assert!(request.len() <= MAX_ATTRIBUTES);
                        assert!(
                            request
                                .attributes()
                                .all(|(n, v)| n.len() + v.len() < MAX_LINE)
                        );
                        requests.push(request);
                    }
                    Ok(None) => break,
                    Err(e) => {
                        error = Some(e);
                        break 'feed;
                    }
                }
            }
            assert!(decoder.buffered() <= data.len());
        }
        (requests, error)
    };
    let whole = run(data.len());
    for request in &whole.0 {
        check_answer(request);
    }
    let bytewise = run(7);
    assert_eq!(
        whole.0,
        bytewise.0[..whole.0.len().min(bytewise.0.len())].to_vec()
    );
    assert_eq!(whole.1.is_some(), bytewise.1.is_some());
}
