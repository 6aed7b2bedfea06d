//! Matchers of gRPC calls.

use super::{Match, shown};
use crate::grpc::is_grpc;
use crate::history::Request;

/// A gRPC call to one method. From [`grpc_method`].
#[derive(Debug, Clone)]
pub struct GrpcMethod(String);

/// A gRPC call (its `content-type` is gRPC's) to `method`, as its path names it:
/// `grpc_method("/helloworld.Greeter/SayHello")` (the leading `/` may be left out).
pub fn grpc_method(method: impl Into<String>) -> GrpcMethod {
    let method = method.into();
    if method.starts_with('/') {
        GrpcMethod(method)
    } else {
        GrpcMethod(format!("/{method}"))
    }
}

impl Match for GrpcMethod {
    fn matches(&self, request: &Request) -> bool {
        request.path == self.0 && request.header("content-type").is_some_and(is_grpc)
    }

    fn describe(&self) -> String {
        format!("gRPC call to {}", shown(&self.0))
    }

    fn refusal(&self, request: &Request) -> String {
        match request.header("content-type") {
            Some(content_type) if is_grpc(content_type) => {
                format!("{} (was {})", self.describe(), shown(&request.path))
            }
            _ => format!("{} (not a gRPC call)", self.describe()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::request;
    use super::*;

    #[test]
    fn a_call_matches_by_method_and_content_type() {
        let call = |path: &str, content_type: &str| {
            request("POST", path, &[("content-type", content_type)], b"")
        };
        let method = grpc_method("helloworld.Greeter/SayHello");
        assert!(method.matches(&call("/helloworld.Greeter/SayHello", "application/grpc")));
        assert!(method.matches(&call(
            "/helloworld.Greeter/SayHello",
            "application/grpc+proto"
        )));
        assert!(!method.matches(&call("/helloworld.Greeter/SayHello", "application/json")));
        assert_eq!(
            method.refusal(&call("/helloworld.Greeter/Other", "application/grpc")),
            r#"gRPC call to "/helloworld.Greeter/SayHello" (was "/helloworld.Greeter/Other")"#
        );
    }
}
