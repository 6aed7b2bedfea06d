//! The names of the tables' parameters, once: the tables declare them with these, and the
//! engine's typed view (`engine/`) reads them with these, so a renamed parameter is renamed in
//! both or the build fails.

/// Serve over TLS with the test CA (most modes).
pub(crate) const TLS: &str = "tls";
/// When a mode that can act on connect acts.
pub(crate) const ACT_ON: &str = "act_on";
/// What the short-body modes do after the body.
pub(crate) const AFTER_BODY: &str = "after_body";
pub(crate) const SHORT_BY: &str = "short_by";
pub(crate) const INTERVAL_MS: &str = "interval_ms";
pub(crate) const SLEEP: &str = "sleep";
pub(crate) const STATUS: &str = "status";
pub(crate) const SIZE: &str = "size";
pub(crate) const KEY: &str = "key";
pub(crate) const TRIES: &str = "tries";
pub(crate) const FAILRATE: &str = "failrate";
pub(crate) const COUNT: &str = "count";
pub(crate) const CHUNKS: &str = "chunks";
pub(crate) const DURATION_MS: &str = "duration_ms";
pub(crate) const CHUNK_SIZE: &str = "chunk_size";
pub(crate) const CERTIFICATE: &str = "certificate";
pub(crate) const VERSIONS: &str = "versions";
pub(crate) const CLIENT_CERT: &str = "client_cert";
pub(crate) const ERROR_CODE: &str = "error_code";
pub(crate) const AFTER_BYTES: &str = "after_bytes";
pub(crate) const INITIAL_WINDOW: &str = "initial_window";
pub(crate) const DELAY_MS: &str = "delay_ms";
// The gRPC block's.
pub(crate) const CODE: &str = "code";
pub(crate) const MESSAGE: &str = "message";
pub(crate) const PUSHBACK_MS: &str = "pushback_ms";
pub(crate) const RETRY: &str = "retry";
pub(crate) const AFTER_MS: &str = "after_ms";
pub(crate) const CALLS: &str = "calls";
pub(crate) const MESSAGES: &str = "messages";

// The chaos proxy's options.
pub(crate) const DIRECTION: &str = "direction";
pub(crate) const TOXICITY: &str = "toxicity";
pub(crate) const BEFORE: &str = "before";
pub(crate) const INJECT: &str = "inject";
pub(crate) const WARMUP: &str = "warmup";
pub(crate) const AGITATE: &str = "agitate";
pub(crate) const LATENCY: &str = "latency";
pub(crate) const JITTER: &str = "jitter";
pub(crate) const RATE: &str = "rate";
pub(crate) const SHARED: &str = "shared";
pub(crate) const DELAY: &str = "delay";
pub(crate) const TIMEOUT: &str = "timeout";
pub(crate) const AVERAGE_SIZE: &str = "average_size";
pub(crate) const SIZE_VARIATION: &str = "size_variation";
pub(crate) const BYTES: &str = "bytes";
