//! Text normalisation for matching (REJ-SUBJECT): Unicode NFKC, then lower case, so that
//! full-width and half-width forms, compatibility characters and case all compare equal.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// NFKC, then lower case. `ＡＢＣ` and `abc` become `abc`; half-width `ｶﾀｶﾅ` becomes
/// full-width `カタカナ`; `①` becomes `1`.
///
/// Most text is already NFKC (ordinary Japanese is) and has few capitals, so the quick
/// checks skip the expensive steps whenever they can.
pub(crate) fn normalize(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let folded: String = match is_nfkc_quick(text.chars()) {
        IsNormalized::Yes => text.to_owned(),
        IsNormalized::No | IsNormalized::Maybe => text.nfkc().collect(),
    };
    if folded.chars().any(char::is_uppercase) {
        folded.to_lowercase()
    } else {
        folded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_and_case_fold() {
        assert_eq!(normalize("ＡＢＣ Def"), "abc def");
        assert_eq!(normalize("ﾐｼｮｳﾀﾞｸｺｳｺｸ"), "ミショウダクコウコク");
        assert_eq!(normalize("未承諾広告※"), "未承諾広告※");
        assert_eq!(normalize("①"), "1");
        assert_eq!(normalize("重要なお知らせ"), "重要なお知らせ");
        assert_eq!(normalize("Ünïcödé"), "ünïcödé");
        // Already NFKC but with a capital only lower-casing changes.
        assert_eq!(normalize("日本 ABC"), "日本 abc");
        // Decomposed input composes: e + U+0301 -> é.
        assert_eq!(normalize("Cafe\u{301}"), "café");
    }
}
