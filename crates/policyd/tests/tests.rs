//! Integration tests of `mail-policyd`, one binary: the `check` command run as a process
//! on the sample messages of `examples/data/`.

mod suite {
    mod check;
}
