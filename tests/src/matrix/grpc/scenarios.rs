//! The rows of the gRPC section: each mode of the gRPC block, with the parameters that make its
//! run short and its outcome the same on every run, and the kind of call the clients make.

use hamms_test::{Error, FaultServer};

/// One row: a mode, its parameters, and whether the clients call a server stream.
#[derive(Debug)]
pub struct GrpcScenario {
    /// The catalog mode.
    pub mode: &'static str,
    /// Parameters other than the defaults, set on the server.
    pub(super) params: &'static [(&'static str, &'static str)],
    /// A server-streaming call rather than a unary one.
    pub(super) stream: bool,
}

impl GrpcScenario {
    const fn unary(mode: &'static str) -> GrpcScenario {
        GrpcScenario {
            mode,
            params: &[],
            stream: false,
        }
    }

    const fn with(mut self, params: &'static [(&'static str, &'static str)]) -> GrpcScenario {
        self.params = params;
        self
    }

    const fn streaming(mut self) -> GrpcScenario {
        self.stream = true;
        self
    }

    /// Starts the row's server.
    ///
    /// # Errors
    /// As [`FaultServer::builder`]'s start.
    pub fn start(&self) -> Result<FaultServer, Error> {
        crate::mode_server(self.mode, self.params).start()
    }

    /// The set-up column: the parameters, and the kind of call.
    pub fn setup(&self) -> String {
        let mut parts: Vec<String> = self
            .params
            .iter()
            .map(|(name, value)| format!("`{name}={value}`"))
            .collect();
        if self.stream {
            parts.push("server stream".to_owned());
        }
        parts.join(", ")
    }
}

/// Every row, in catalog order (a mode may have several).
pub static GRPC_SCENARIOS: [GrpcScenario; 14] = [
    GrpcScenario::unary("grpc_status"),
    GrpcScenario::unary("grpc_trailers_only"),
    GrpcScenario::unary("grpc_retry_pushback"),
    GrpcScenario::unary("grpc_deadline"),
    GrpcScenario::unary("grpc_reset_mid_message"),
    GrpcScenario::unary("grpc_reset_mid_message").with(&[("error_code", "CANCEL")]),
    GrpcScenario::unary("grpc_bad_length"),
    GrpcScenario::unary("grpc_compressed_without_encoding"),
    GrpcScenario::unary("grpc_oversized_message"),
    GrpcScenario::unary("grpc_missing_status"),
    GrpcScenario::unary("grpc_http_error"),
    GrpcScenario::unary("grpc_http_error").with(&[("status", "404")]),
    GrpcScenario::unary("grpc_goaway_after"),
    GrpcScenario::unary("grpc_slow_stream").streaming(),
];
