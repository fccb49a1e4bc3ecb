//! `docs/replies.md` is the reply table of `mail_policy::reply`: this test renders the
//! table from the code and compares. `MAIL_POLICY_BLESS=1 cargo test -p mail-policy
//! replies` rewrites the file's table after a deliberate change.

use mail_policy::reply;

const BEGIN: &str = "<!-- replies:begin -->";
const END: &str = "<!-- replies:end -->";

fn rendered() -> String {
    let mut out = String::from(
        "| rule | when | code | enhanced | action | text (sample figures) |\n|---|---|---|---|---|---|\n",
    );
    for (rule, when, reply) in reply::table() {
        let rule = if rule.is_empty() { "–" } else { rule };
        out.push_str(&format!(
            "| {rule} | {when} | {} | {} | {:?} | {} |\n",
            reply.code,
            reply.enhanced,
            reply.action(),
            reply.text.replace('|', "\\|")
        ));
    }
    out
}

#[test]
fn docs_table_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/replies.md");
    let text = std::fs::read_to_string(&path).expect("docs/replies.md");
    let start = text.find(BEGIN).expect("begin marker") + BEGIN.len();
    let end = text.find(END).expect("end marker");
    let table = rendered();
    if std::env::var_os("MAIL_POLICY_BLESS").is_some() {
        let updated = format!("{}\n{table}{}", &text[..start], &text[end..]);
        std::fs::write(&path, updated).expect("write");
        return;
    }
    assert_eq!(
        text[start..end].trim(),
        table.trim(),
        "docs/replies.md is stale"
    );
}

#[test]
fn codes_follow_postfix_conventions() {
    for (rule, _, reply) in reply::table() {
        let class = reply.enhanced.chars().next().expect("enhanced code");
        let first = reply.code.to_string().chars().next().expect("code");
        assert_eq!(class, first, "{rule}: {reply}");
        if !rule.is_empty() {
            assert!(reply.text.contains(rule), "{rule} not named in {reply}");
        }
    }
}
