//! curl as scripts run it: `curl -fsSL --compressed`, with a total timeout (`--max-time`), the
//! test CA (`--cacert`) and, for the HTTP/2 block, `--http2-prior-knowledge`.

use std::process::{Child, Command, Stdio};

use super::{Context, Job};
use crate::matrix::Outcome;

/// Runs every job at once, each in a curl process of its own.
pub(super) fn run(jobs: &[Job<'_>], context: &Context<'_>) -> Vec<Outcome> {
    let children: Vec<Child> = jobs.iter().map(|job| spawn(job, context)).collect();
    children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().expect("wait for curl");
            let status: u16 = String::from_utf8_lossy(&output.stdout)
                .trim()
                .parse()
                .unwrap_or(0);
            // The status curl saw is named only where it is certain: with success, and with
            // `-f`'s exit 22, which it causes. When a transfer fails, whether curl counted the
            // head first can depend on how the bytes fell into its reads.
            match output.status.code() {
                Some(0) => Outcome::answered(status),
                Some(22) => Outcome::failed(format!("exit 22 ({status})")),
                Some(code) => Outcome::failed(format!("exit {code}")),
                None => Outcome::failed("killed by a signal"),
            }
        })
        .collect()
}

fn spawn(job: &Job<'_>, context: &Context<'_>) -> Child {
    let mut command = Command::new("curl");
    command
        .args(["-fsSL", "--compressed", "--noproxy", "*"])
        .args(["--max-time", &context.timeout_secs()])
        .args(["--cacert", &context.ca_file.to_string_lossy()])
        .args(["-o", "/dev/null", "-w", "%{http_code}"]);
    if job.scenario.http2 {
        command.arg("--http2-prior-knowledge");
    }
    if job.scenario.upload {
        command.args([
            "--data-binary",
            &format!("@{}", context.upload_file.display()),
        ]);
    }
    command
        .arg(&job.url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run curl ({e}): install it, e.g. apt-get install -y curl")
        })
}

/// `curl 7.88.1`, or `None` if curl is not installed.
pub(super) fn version() -> Option<String> {
    let output = Command::new("curl").arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let words: Vec<&str> = text.split_whitespace().take(2).collect();
    Some(words.join(" "))
}
