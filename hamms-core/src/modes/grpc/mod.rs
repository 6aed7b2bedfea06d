//! The gRPC block of the catalog: what gRPC servers, and the proxies in front of them, send
//! wrong (a chosen status, trailers-only, retry pushback, a deadline passed, a message cut by a
//! reset, a lying length prefix, compression nobody agreed, an oversized message, no status, a
//! gateway's HTML page, GOAWAY after N calls, a slow stream).
//!
//! Design note: the gRPC block runs on the HTTP/2 block's engine (`modes/http2/`: the `h2`
//! crate behind a frame tap that files every stream's end), as one more [`Block`]: gRPC needs no
//! settings of its own and withholds nothing, and what a call gets is data,
//! [`GrpcAnswer`](crate::grpc::GrpcAnswer), which `calls` sends frame by frame. The same answer
//! serves a call that the fixture hands to a gRPC mode (`fail_next`), through hyper. Per-call
//! parameters come from request metadata, `hamms-<parameter>` (`hamms-code: NOT_FOUND`,
//! `hamms-interval-ms: 50`): gRPC clients set metadata, never a query string. A refused one is
//! answered `INVALID_ARGUMENT` naming the parameter and its range; a client that does not speak
//! HTTP/2 gets the engine's 505.

mod calls;

pub(super) use calls::serve;

use super::http2::Block;
