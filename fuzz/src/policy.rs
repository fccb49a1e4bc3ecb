//! The check behind the `policy_request` fuzz target (the Postfix policy protocol
//! decoder), shared with `cargo test` like the others.

use mail_policyd::policy_protocol::{Decoder, MAX_ATTRIBUTES, MAX_LINE};

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
    let bytewise = run(7);
    assert_eq!(
        whole.0,
        bytewise.0[..whole.0.len().min(bytewise.0.len())].to_vec()
    );
    assert_eq!(whole.1.is_some(), bytewise.1.is_some());
}
