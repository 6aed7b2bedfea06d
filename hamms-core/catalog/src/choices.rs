//! The parameters that take one of a few words, as enums: the words are listed once, here, and
//! the tables offer them (`ParamKind::Choice`) while the engine's typed view reads them back
//! into the enum.

/// An enum whose variants are the words of a choice parameter, in the order the tables list
/// them: `NAMES` for the tables, `parse` for the typed view.
macro_rules! choice {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $word:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// The words, as a table's `ParamKind::Choice` offers them.
            pub const NAMES: &'static [&'static str] = &[$($word),+];

            /// The variant named `word`, one of [`NAMES`](Self::NAMES).
            pub fn parse(word: &str) -> Option<$name> {
                match word {
                    $($word => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The word that names it.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)+
                }
            }
        }
    };
}

choice! {
    /// When a mode that can act on connect acts (`act_on`).
    pub enum ActOn {
        /// As soon as the connection is accepted, before reading.
        Connect = "connect",
        /// Once the first request bytes arrive.
        Request = "request",
    }
}

choice! {
    /// What the short-body modes do once the body is sent (`after_body`).
    pub enum AfterBody {
        /// The connection stays open, even if the client asked to close: the client waits.
        KeepOpen = "keep_open",
        /// The connection closes: the client sees EOF mid-body.
        Close = "close",
    }
}

choice! {
    /// The certificate a TLS mode presents (`certificate`).
    pub enum Certificate {
        /// From the test CA, for 127.0.0.1, ::1 and localhost.
        Valid = "valid",
        /// Signed by itself.
        SelfSigned = "self_signed",
        /// From the test CA, expired a year ago.
        Expired = "expired",
        /// From the test CA, valid from a year from now.
        NotYetValid = "not_yet_valid",
        /// From the test CA, for another host name.
        WrongHost = "wrong_host",
        /// From a CA the client was never given.
        UntrustedRoot = "untrusted_root",
    }
}

choice! {
    /// The TLS versions a TLS mode offers (`versions`).
    pub enum Versions {
        /// TLS 1.2 and 1.3.
        Any = "any",
        /// TLS 1.2 only.
        Tls12 = "tls12",
        /// TLS 1.3 only.
        Tls13 = "tls13",
    }
}

choice! {
    /// Whether a TLS mode demands a client certificate (`client_cert`).
    pub enum ClientCert {
        /// No client certificate is asked for.
        None = "none",
        /// The handshake fails without a client certificate from the test CA.
        Required = "required",
    }
}

choice! {
    /// Which way a toxic acts (`direction`).
    pub enum Direction {
        /// On what the backend sends to the client (Toxiproxy's default).
        Downstream = "downstream",
        /// On what the client sends to the backend.
        Upstream = "upstream",
    }
}

choice! {
    /// A gRPC status code, by the name the gRPC spec gives it (`doc/statuscodes.md`), in code
    /// order: the gRPC modes' `code` parameter, and the status a call ended with in the history.
    pub enum GrpcCode {
        /// 0: not an error.
        Ok = "OK",
        /// 1: the call was cancelled, typically by the caller.
        Cancelled = "CANCELLED",
        /// 2: an unknown error (clients also use it for a status they cannot read).
        Unknown = "UNKNOWN",
        /// 3: the client gave an invalid argument.
        InvalidArgument = "INVALID_ARGUMENT",
        /// 4: the deadline passed before the call completed.
        DeadlineExceeded = "DEADLINE_EXCEEDED",
        /// 5: something requested was not found.
        NotFound = "NOT_FOUND",
        /// 6: what a client tried to create already exists.
        AlreadyExists = "ALREADY_EXISTS",
        /// 7: the caller may not do this.
        PermissionDenied = "PERMISSION_DENIED",
        /// 8: a resource (a quota, a message size) is exhausted.
        ResourceExhausted = "RESOURCE_EXHAUSTED",
        /// 9: the system is not in a state the call requires.
        FailedPrecondition = "FAILED_PRECONDITION",
        /// 10: aborted, typically by a concurrency conflict.
        Aborted = "ABORTED",
        /// 11: past the valid range.
        OutOfRange = "OUT_OF_RANGE",
        /// 12: not implemented, or an unknown method.
        Unimplemented = "UNIMPLEMENTED",
        /// 13: an internal error, such as a broken message on the wire.
        Internal = "INTERNAL",
        /// 14: the service is unavailable for now: retry (with back-off).
        Unavailable = "UNAVAILABLE",
        /// 15: data was lost.
        DataLoss = "DATA_LOSS",
        /// 16: the caller is not authenticated.
        Unauthenticated = "UNAUTHENTICATED",
    }
}

impl GrpcCode {
    /// The code's number, as `grpc-status` carries it (`UNAVAILABLE` is 14).
    pub fn code(self) -> u32 {
        // The variants are declared in code order, from 0.
        self as u32
    }

    /// The status whose number is `code`, if the spec defines one (0 to 16).
    pub fn from_code(code: u32) -> Option<GrpcCode> {
        let index = usize::try_from(code).ok()?;
        GrpcCode::NAMES
            .get(index)
            .and_then(|name| GrpcCode::parse(name))
    }
}

/// The HTTP/2 error codes by name (RFC 9113 §7), in code order: a name's index is its code.
/// The values of the HTTP/2 modes' `error_code` parameter.
pub const HTTP2_ERROR_CODES: &[&str] = &[
    "NO_ERROR",
    "PROTOCOL_ERROR",
    "INTERNAL_ERROR",
    "FLOW_CONTROL_ERROR",
    "SETTINGS_TIMEOUT",
    "STREAM_CLOSED",
    "FRAME_SIZE_ERROR",
    "REFUSED_STREAM",
    "CANCEL",
    "COMPRESSION_ERROR",
    "CONNECT_ERROR",
    "ENHANCE_YOUR_CALM",
    "INADEQUATE_SECURITY",
    "HTTP_1_1_REQUIRED",
];

/// The code of the HTTP/2 error named `name`, one of [`HTTP2_ERROR_CODES`].
pub(crate) fn http2_error_code(name: &str) -> Option<u32> {
    let index = HTTP2_ERROR_CODES.iter().position(|n| *n == name)?;
    // Fourteen names.
    u32::try_from(index).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_reads_back_to_its_variant() {
        for word in ActOn::NAMES {
            assert_eq!(ActOn::parse(word).map(ActOn::name), Some(*word));
        }
        for word in Certificate::NAMES {
            assert_eq!(Certificate::parse(word).map(Certificate::name), Some(*word));
        }
        assert_eq!(Direction::parse("sideways"), None);
        for (code, word) in GrpcCode::NAMES.iter().enumerate() {
            let status = GrpcCode::parse(word).unwrap();
            assert_eq!(status.code() as usize, code);
            assert_eq!(GrpcCode::from_code(status.code()), Some(status));
        }
        assert_eq!(GrpcCode::Unavailable.code(), 14);
        assert_eq!(GrpcCode::from_code(17), None);
        assert_eq!(http2_error_code("REFUSED_STREAM"), Some(7));
        assert_eq!(http2_error_code("refused_stream"), None);
    }
}
