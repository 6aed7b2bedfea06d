//! Keeping the start of a byte stream: what the history keeps of bodies and raw connections.

/// Appends as much of `bytes` as fits under `cap`.
pub(crate) fn append_capped(into: &mut Vec<u8>, bytes: &[u8], cap: usize) {
    let room = cap.saturating_sub(into.len());
    into.extend_from_slice(&bytes[..bytes.len().min(room)]);
}
