//! The first tier's integration tests, one module per subject, in one binary (one link of the
//! dependency tree instead of one per file). `cargo test -p hamms-integration-tests --test suite
//! http2::` runs one subject; `readme_dependencies` (it runs cargo) and the second tier
//! (`peers/`) are binaries of their own.

mod attribute;
mod broken_http;
mod client_matrix;
mod control;
mod engine;
mod fixture;
mod grpc;
mod hamms_block;
mod http1_conformance;
mod http2;
mod proxy;
mod proxy_live;
mod readme;
mod request_parameters;
mod stubs;
mod tls;
mod toxiproxy_api;
mod wiremock;
mod wiremock_parity;
