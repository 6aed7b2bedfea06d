//! curl, run as a user runs it, for what a non-Rust client reports (its exit code).

use std::io::Write;
use std::process::Command;

use tempfile::NamedTempFile;

/// What a curl run ended with.
#[derive(Debug)]
pub struct CurlOutcome {
    /// curl's exit code: 0 success, 7 refused, 28 timeout, 35 TLS handshake, 60 certificate...
    pub code: i32,
    /// What curl printed on standard output (the body).
    pub stdout: String,
    /// curl's error message.
    pub stderr: String,
}

/// Runs `curl -sS` with `args`, ignoring proxy settings of the environment. Panics, saying how to
/// install it, if curl is missing (`.ci/run` installs it).
pub fn curl(args: &[&str]) -> CurlOutcome {
    let output = Command::new("curl")
        .args(["-sS", "--noproxy", "*"])
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run curl ({e}): install it, e.g. apt-get install -y curl")
        });
    CurlOutcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `contents` in a temporary file (deleted when dropped), for curl's `--cacert` and `--cert`.
pub fn temp_file(contents: &str) -> NamedTempFile {
    let mut file = NamedTempFile::new().expect("create a temporary file");
    file.write_all(contents.as_bytes())
        .expect("write the temporary file");
    file
}
