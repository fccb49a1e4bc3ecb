//! The policy protocol decoder: the fuzz corpus replayed, and properties.

use mail_policyd::policy_protocol::Decoder;
use proptest::prelude::*;

use crate::fuzz_checks;
use crate::replay::replay;

#[test]
fn policy_request_corpus() {
    replay(
        env!("CARGO_MANIFEST_DIR"),
        "policy_request",
        fuzz_checks::policy_request,
    );
}

fn attribute() -> impl Strategy<Value = (String, String)> {
    ("[a-z][a-z_]{0,15}", "[ -~]{0,30}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn requests_survive_any_chunking(
        requests in prop::collection::vec(prop::collection::vec(attribute(), 1..12), 1..4),
        chunk in 1usize..64,
    ) {
        let mut wire = Vec::new();
        for request in &requests {
            for (name, value) in request {
                wire.extend_from_slice(format!("{name}={value}\n").as_bytes());
            }
            wire.push(b'\n');
        }
        let mut decoder = Decoder::new();
        let mut decoded = Vec::new();
        for piece in wire.chunks(chunk) {
            decoder.feed(piece);
            while let Some(request) = decoder.next_request().expect("valid input") {
                decoded.push(request);
            }
        }
        prop_assert_eq!(decoded.len(), requests.len());
        for (got, sent) in decoded.iter().zip(&requests) {
            let got: Vec<(String, String)> =
                got.attributes().map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
            prop_assert_eq!(&got, sent);
        }
        prop_assert_eq!(decoder.buffered(), 0);
    }

    #[test]
    fn any_bytes_are_safe(data in prop::collection::vec(any::<u8>(), 0..600)) {
        fuzz_checks::policy_request(&data);
    }
}
