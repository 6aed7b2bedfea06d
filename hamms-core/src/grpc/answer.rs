//! [`GrpcAnswer`]: what a gRPC mode sends for one call, as data.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue};

use super::framing::{filled, framed, prefix};
use super::metadata::{
    CONTENT_TYPE, MESSAGE_HEADER, PUSHBACK_HEADER, STATUS_HEADER, TIMEOUT_HEADER, encode_message,
    overrides, parse_timeout,
};
use crate::engine::{Configured, Grpc, GrpcCode, Pushback};

/// The HTML page `grpc_http_error` answers with, as a proxy's error page looks.
const GATEWAY_PAGE: &str = "<html>\r\n<head><title>Bad Gateway</title></head>\r\n<body>\r\n\
<center><h1>hamms: grpc_http_error</h1></center>\r\n<hr><center>a proxy in front of a gRPC service answered with an HTML page</center>\r\n\
</body>\r\n</html>\r\n";

/// What one call gets, in order: after `delay`, the head (`status` and `headers`), the
/// `messages` (each after its pause), then `end`.
#[derive(Debug, Clone)]
pub(crate) struct GrpcAnswer {
    /// How long after the request's arrival the head may leave; `None`: never (the call waits
    /// until the client gives up).
    pub(crate) delay: Option<Duration>,
    /// The HTTP status: 200 but for `grpc_http_error`.
    pub(crate) status: u16,
    /// The response headers (for a trailers-only answer, with the status).
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    /// The DATA to send, each with the pause before it: framed messages, or the bytes of a
    /// broken one, or an HTML page.
    pub(crate) messages: Vec<(Duration, Bytes)>,
    /// How the call ends.
    pub(crate) end: GrpcEnd,
    /// The gRPC status the answer carries, for the history.
    pub(crate) grpc_status: Option<(GrpcCode, String)>,
    /// Whether the connection goes away once this call is answered (GOAWAY naming its stream).
    pub(crate) then_goaway: bool,
}

/// How a call's answer ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GrpcEnd {
    /// The head ends the stream: a trailers-only answer (no messages).
    HeadOnly,
    /// Trailers, which end the stream, after the messages.
    Trailers(Vec<(HeaderName, HeaderValue)>),
    /// END_STREAM on the last DATA frame: no trailers at all.
    Data,
    /// RST_STREAM with this HTTP/2 error code once the messages have left.
    Reset(u32),
}

impl GrpcAnswer {
    /// What `fault`, the mode `configured` serves, answers a call with this request `metadata`:
    /// as [`for_call`](Self::for_call) says, with the parameters its `hamms-*` metadata
    /// overrides and the deadline its `grpc-timeout` gives, or `INVALID_ARGUMENT` if an
    /// override is refused. `call` is as `for_call` takes it.
    pub(crate) fn for_request<'a>(
        configured: &Configured,
        fault: &Grpc,
        metadata: impl IntoIterator<Item = (&'a HeaderName, &'a HeaderValue)> + Clone,
        call: Option<u64>,
    ) -> Self {
        let pairs = overrides(metadata.clone());
        let timeout = metadata
            .into_iter()
            .find(|(name, _)| name.as_str() == TIMEOUT_HEADER)
            .and_then(|(_, value)| value.to_str().ok())
            .and_then(parse_timeout);
        match configured.for_request(fault, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
            Ok(for_call) => GrpcAnswer::for_call(&for_call.typed, timeout, call),
            Err(error) => GrpcAnswer::invalid_argument(&error.to_string()),
        }
    }

    /// What `fault` answers a call whose client gave it `timeout` (`grpc-timeout`). `call` is
    /// its number on its connection, from 1, for `grpc_goaway_after`; `None` counts it as the
    /// last its connection answers (the fixture's failures, one call each).
    fn for_call(fault: &Grpc, timeout: Option<Duration>, call: Option<u64>) -> Self {
        match fault {
            Grpc::Status {
                status,
                trailers_only: true,
            } => GrpcAnswer::trailers_only(status.code, &status.message),
            Grpc::Status {
                status,
                trailers_only: false,
            } => GrpcAnswer::with_status(status.code, &status.message, Vec::new()),
            Grpc::RetryPushback { code, pushback } => {
                let value = match pushback {
                    Pushback::After(wait) => wait.as_millis().to_string(),
                    Pushback::Stop => "-1".to_owned(),
                };
                let message = format!("hamms: grpc_retry_pushback ({PUSHBACK_HEADER}: {value})");
                let mut answer = GrpcAnswer::trailers_only(*code, &message);
                answer.headers.push(header(PUSHBACK_HEADER, &value));
                answer
            }
            Grpc::Deadline { after } => GrpcAnswer {
                delay: timeout.map(|timeout| timeout + *after),
                ..GrpcAnswer::trailers_only(
                    GrpcCode::DeadlineExceeded,
                    "hamms: grpc_deadline (answered past the call's deadline)",
                )
            },
            Grpc::ResetMidMessage { error_code, size } => GrpcAnswer {
                end: GrpcEnd::Reset(*error_code),
                grpc_status: None,
                ..GrpcAnswer::cut_message(*size)
            },
            // `cut_message` ends with `grpc-status: 0` already.
            Grpc::BadLength { size } => GrpcAnswer::cut_message(*size),
            // An empty message, its compressed flag set.
            Grpc::CompressedWithoutEncoding => {
                GrpcAnswer::ok_with(Bytes::copy_from_slice(&prefix(true, 0)))
            }
            Grpc::OversizedMessage { size } => GrpcAnswer::ok_with(filled(*size)),
            Grpc::MissingStatus => GrpcAnswer {
                end: GrpcEnd::Data,
                grpc_status: None,
                ..GrpcAnswer::ok_with(framed(&[]))
            },
            Grpc::HttpError { status } => GrpcAnswer {
                delay: Some(Duration::ZERO),
                status: *status,
                headers: vec![header("content-type", "text/html")],
                messages: vec![(Duration::ZERO, Bytes::from_static(GATEWAY_PAGE.as_bytes()))],
                end: GrpcEnd::Data,
                grpc_status: None,
                then_goaway: false,
            },
            Grpc::GoAwayAfter { calls } => match call {
                Some(call) if call > *calls => GrpcAnswer {
                    // Left out by the GOAWAY that follows call number `calls`.
                    delay: None,
                    ..GrpcAnswer::ok_with(framed(&[]))
                },
                _ => GrpcAnswer {
                    then_goaway: call.is_none_or(|call| call == *calls),
                    ..GrpcAnswer::ok_with(framed(&[]))
                },
            },
            Grpc::SlowStream { messages, interval } => GrpcAnswer {
                messages: (0..*messages)
                    .map(|i| {
                        let pause = if i == 0 { Duration::ZERO } else { *interval };
                        (pause, framed(&[]))
                    })
                    .collect(),
                ..GrpcAnswer::ok_with(Bytes::new())
            },
        }
    }

    /// The answer to a call whose `hamms-*` metadata is refused: `INVALID_ARGUMENT`, trailers
    /// only, naming the parameter and its range.
    fn invalid_argument(message: &str) -> Self {
        GrpcAnswer::trailers_only(GrpcCode::InvalidArgument, message)
    }

    /// A trailers-only answer with this status.
    fn trailers_only(code: GrpcCode, message: &str) -> Self {
        let mut headers = vec![header("content-type", CONTENT_TYPE)];
        headers.extend(status_fields(code, message));
        GrpcAnswer {
            delay: Some(Duration::ZERO),
            status: 200,
            headers,
            messages: Vec::new(),
            end: GrpcEnd::HeadOnly,
            grpc_status: Some((code, message.to_owned())),
            then_goaway: false,
        }
    }

    /// Response headers, `messages`, then trailers with this status.
    fn with_status(code: GrpcCode, message: &str, messages: Vec<(Duration, Bytes)>) -> Self {
        GrpcAnswer {
            delay: Some(Duration::ZERO),
            status: 200,
            headers: vec![header("content-type", CONTENT_TYPE)],
            messages,
            end: GrpcEnd::Trailers(status_fields(code, message)),
            grpc_status: Some((code, message.to_owned())),
            then_goaway: false,
        }
    }

    /// `data` (none if empty), then `grpc-status: 0`.
    fn ok_with(data: Bytes) -> Self {
        let messages = if data.is_empty() {
            Vec::new()
        } else {
            vec![(Duration::ZERO, data)]
        };
        GrpcAnswer::with_status(GrpcCode::Ok, "", messages)
    }

    /// The prefix of a `size`-byte message and half its bytes, then `grpc-status: 0` (unless the
    /// caller ends it otherwise).
    fn cut_message(size: usize) -> Self {
        // The catalog bounds `size` to 1 MiB.
        let mut data = prefix(false, u32::try_from(size).unwrap_or(u32::MAX)).to_vec();
        data.resize(data.len() + size / 2, b'a');
        GrpcAnswer::ok_with(Bytes::from(data))
    }

    /// Whether the head ends the stream (a trailers-only answer).
    pub(crate) fn head_ends_stream(&self) -> bool {
        self.messages.is_empty() && self.end == GrpcEnd::HeadOnly
    }

    /// How many DATA payload bytes the answer sends.
    pub(crate) fn data_len(&self) -> usize {
        self.messages.iter().map(|(_, data)| data.len()).sum()
    }
}

/// `grpc-status` and, unless empty, `grpc-message`.
fn status_fields(code: GrpcCode, message: &str) -> Vec<(HeaderName, HeaderValue)> {
    let mut fields = vec![header(STATUS_HEADER, &code.code().to_string())];
    if !message.is_empty() {
        fields.push(header(MESSAGE_HEADER, &encode_message(message)));
    }
    fields
}

/// A header whose name and value are valid: hamms' own, or percent-encoded.
fn header(name: &'static str, value: &str) -> (HeaderName, HeaderValue) {
    (
        HeaderName::from_static(name),
        // Printable ASCII: the values above are numbers, fixed words, or percent-encoded.
        HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static("?")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::GrpcStatusParams;

    #[test]
    fn a_status_goes_in_trailers_and_a_trailers_only_answer_ends_with_its_head() {
        let status = GrpcStatusParams {
            code: GrpcCode::NotFound,
            message: "no 100%".to_owned(),
        };
        let answer = GrpcAnswer::for_call(
            &Grpc::Status {
                status: status.clone(),
                trailers_only: false,
            },
            None,
            Some(1),
        );
        assert!(!answer.head_ends_stream());
        let GrpcEnd::Trailers(trailers) = &answer.end else {
            panic!("{answer:?}")
        };
        assert_eq!(trailers[0], header("grpc-status", "5"));
        assert_eq!(trailers[1], header("grpc-message", "no 100%25"));
        let only = GrpcAnswer::for_call(
            &Grpc::Status {
                status,
                trailers_only: true,
            },
            None,
            Some(1),
        );
        assert!(only.head_ends_stream());
        assert!(only.headers.contains(&header("grpc-status", "5")));
    }

    #[test]
    fn the_deadline_answer_waits_past_the_calls_timeout_or_forever() {
        let fault = Grpc::Deadline {
            after: Duration::from_millis(50),
        };
        let timed = GrpcAnswer::for_call(&fault, Some(Duration::from_millis(100)), Some(1));
        assert_eq!(timed.delay, Some(Duration::from_millis(150)));
        assert_eq!(GrpcAnswer::for_call(&fault, None, Some(1)).delay, None);
    }

    #[test]
    fn goaway_follows_the_last_call_a_connection_answers() {
        let fault = Grpc::GoAwayAfter { calls: 2 };
        let answer = |call| GrpcAnswer::for_call(&fault, None, call);
        assert!(!answer(Some(1)).then_goaway);
        assert!(answer(Some(2)).then_goaway);
        assert_eq!(answer(Some(3)).delay, None);
        assert!(answer(None).then_goaway);
    }

    #[test]
    fn a_cut_message_promises_more_than_it_sends() {
        let answer = GrpcAnswer::for_call(&Grpc::BadLength { size: 10 }, None, Some(1));
        assert_eq!(
            answer.messages[0].1.as_ref(),
            [0, 0, 0, 0, 10, b'a', b'a', b'a', b'a', b'a']
        );
        assert_eq!(answer.data_len(), 10);
    }
}
