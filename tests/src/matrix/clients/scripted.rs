//! Clients driven by a script in their own language (Python's urllib, Node's fetch): one
//! process runs every job at once and reports each outcome as JSON.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use super::{Context, Job};
use crate::matrix::{Outcome, UPLOAD_BYTES};

/// Runs `command` (a script that reads its jobs on stdin) and reads back one outcome per job.
pub(super) fn run(command: Command, jobs: &[Job<'_>], context: &Context<'_>) -> Vec<Outcome> {
    let setup = json!({
        "timeout": context.timeout.as_secs_f64(),
        "deadline": context.deadline.as_secs_f64(),
        "cafile": context.ca_file,
        "upload": UPLOAD_BYTES,
        "jobs": jobs
            .iter()
            .map(|job| json!({"url": job.url, "upload": job.scenario.upload}))
            .collect::<Vec<_>>(),
    });
    run_script(command, &setup).iter().map(outcome).collect()
}

/// Runs `command`, a script that reads `setup` (its `jobs`, and what they share) on stdin and
/// prints a JSON array of one result per job; reads that array back.
///
/// # Panics
/// If the script cannot be run, or prints anything but one result per job.
pub(in crate::matrix) fn run_script(mut command: Command, setup: &Value) -> Vec<Value> {
    let jobs = setup["jobs"]
        .as_array()
        .expect("a setup lists its jobs")
        .len();
    let program = command.get_program().to_string_lossy().into_owned();
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(setup.to_string().as_bytes())
        .expect("send the jobs");
    let output = child.wait_with_output().expect("wait for the script");
    let outcomes: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{program} did not report its outcomes ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert_eq!(outcomes.len(), jobs, "one outcome per job from {program}");
    outcomes
}

/// `{"failed": "..."}`, `{"status": 200, "then": "..."}`, `{"status": 200}` or
/// `{"waiting": true}`.
fn outcome(value: &Value) -> Outcome {
    if let Some(error) = value["failed"].as_str() {
        return Outcome::failed(error);
    }
    match (value["status"].as_u64(), value["then"].as_str()) {
        (Some(status), then) => Outcome::Answered {
            status: u16::try_from(status).expect("an HTTP status"),
            then: then.map(str::to_owned),
        },
        (None, _) => Outcome::StillWaiting,
    }
}

/// The first line a `--version` run prints, or `None` if `program` is not installed.
pub(super) fn version(program: &str, flag: &str) -> Option<String> {
    let output = Command::new(program).arg(flag).output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    Some(text.lines().next().unwrap_or_default().trim().to_owned())
}
