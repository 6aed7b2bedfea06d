//! Ports and addresses as the commands take them, checked one way while the command line is
//! parsed: a mistake is a usage error (exit 2) that says what to write, whichever command it
//! is given to. (`hamms proxy --backend` is checked by the library as the proxy starts, with
//! the same rules and exit code.)

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use http::Uri;

/// A port to serve on or connect to: 1 to 65535.
pub(crate) fn port(text: &str) -> Result<u16, String> {
    let number: u64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a port: write a number from 1 to 65535"))?;
    u16::try_from(number)
        .ok()
        .filter(|port| *port != 0)
        .ok_or_else(|| format!("port {number} is out of range: ports go from 1 to 65535"))
}

/// A port to listen on: 1 to 65535, or 0 to let the system pick a free one.
pub(crate) fn listen_port(text: &str) -> Result<u16, String> {
    if text.trim() == "0" {
        Ok(0)
    } else {
        port(text)
    }
}

/// An address to listen on, `IP:PORT`; port 0 lets the system pick a free one (printed at
/// start).
pub(crate) fn listen_addr(text: &str) -> Result<SocketAddr, String> {
    let (host, port_text) = host_and_port(text)?;
    let ip: IpAddr = host.parse().map_err(|_| {
        format!(
            "`{host}` is not an IP address to listen on; write e.g. 127.0.0.1:8080 or [::1]:8080"
        )
    })?;
    Ok(SocketAddr::new(ip, listen_port(port_text)?))
}

/// An address to connect to, `HOST:PORT`: a host name or IP address, and a port from 1 to
/// 65535. Kept as written: the name is resolved when connecting.
fn connect_addr(text: &str) -> Result<String, String> {
    let (host, port_text) = host_and_port(text)?;
    if host.is_empty() {
        return Err(format!(
            "`{text}` has no host; write HOST:PORT, e.g. 127.0.0.1:6379"
        ));
    }
    port(port_text)?;
    Ok(text.to_owned())
}

/// The control API to talk to, `http://HOST:PORT` or `HOST:PORT`: its authority (`HOST:PORT`).
pub(crate) fn control_url(text: &str) -> Result<String, String> {
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        format!("http://{text}")
    };
    let uri: Uri = with_scheme
        .parse()
        .map_err(|_| format!("`{text}` is not a control URL such as http://127.0.0.1:8080"))?;
    if uri.scheme_str() != Some("http") {
        return Err(format!(
            "`{text}` is not plain http, which the control API speaks"
        ));
    }
    let authority = uri
        .authority()
        .ok_or_else(|| format!("`{text}` needs a host and a port, e.g. http://127.0.0.1:8080"))?;
    connect_addr(authority.as_str())
}

/// A timeout in seconds, decimals allowed: more than 0, at most an hour.
pub(crate) fn seconds(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0 && *s <= 3600.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| {
            format!("`{text}` is not a timeout: write seconds above 0 and at most 3600, e.g. 2.5")
        })
}

/// `HOST:PORT` (or `[IPv6]:PORT`) split at the port's colon, brackets removed.
fn host_and_port(text: &str) -> Result<(&str, &str), String> {
    let (host, port) = text
        .rsplit_once(':')
        .ok_or_else(|| format!("`{text}` has no port; write HOST:PORT, e.g. 127.0.0.1:8080"))?;
    match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(ipv6) => Ok((ipv6, port)),
        None if host.contains(':') => Err(format!(
            "`{text}` is ambiguous; write an IPv6 address in brackets, e.g. [::1]:8080"
        )),
        None => Ok((host, port)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_go_from_1_to_65535() {
        assert_eq!(port("1"), Ok(1));
        assert_eq!(port("65535"), Ok(65535));
        for bad in ["0", "65536", "-1", "abc", "", "99999999999999999999"] {
            assert!(port(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn listen_addresses_are_ips_and_take_port_0() {
        assert_eq!(listen_addr("127.0.0.1:0").unwrap().port(), 0);
        assert_eq!(
            listen_addr("[::1]:8080").unwrap(),
            "[::1]:8080".parse().unwrap()
        );
        for bad in [
            "127.0.0.1",
            "localhost:80",
            "127.0.0.1:70000",
            "::1:80",
            ":80",
        ] {
            assert!(listen_addr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn connect_addresses_need_a_host_and_a_port_from_1() {
        assert_eq!(
            connect_addr("db.local:5432").as_deref(),
            Ok("db.local:5432")
        );
        assert!(connect_addr("[::1]:6379").is_ok());
        for bad in [
            "db.local",
            ":6379",
            "127.0.0.1:0",
            "127.0.0.1:x",
            "::1:6379",
        ] {
            assert!(connect_addr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn control_urls_are_plain_http_with_a_port() {
        assert_eq!(
            control_url("http://127.0.0.1:8080").as_deref(),
            Ok("127.0.0.1:8080")
        );
        assert_eq!(control_url("localhost:9").as_deref(), Ok("localhost:9"));
        for bad in [
            "https://127.0.0.1:8080",
            "http://127.0.0.1",
            "http://127.0.0.1:0",
            "::",
        ] {
            assert!(control_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timeouts_are_positive_seconds() {
        assert_eq!(seconds("2.5"), Ok(Duration::from_millis(2500)));
        for bad in ["0", "-1", "nan", "inf", "abc", "3601"] {
            assert!(seconds(bad).is_err(), "{bad}");
        }
    }
}
