//! Writing to the client: bytes recorded as sent before they leave, responses recorded as
//! the reply of the request they answer.

use http::Method;
use tokio::io::AsyncWriteExt;

use super::conn::{Conn, end_from_io};
use super::served::{After, Served};
use crate::history::{ConnectionEnd, RECORDED_VALUE_LIMIT, Reply, Request};
use crate::http1::WireResponse;

impl Conn {
    /// Writes all of `bytes` (and flushes, so TLS records leave too). They are recorded as sent
    /// before they leave, with what the journal holds, in one lock: a client that reads them and
    /// then the history finds them there, with the request they answer.
    pub(crate) async fn write(&mut self, bytes: &[u8]) -> Result<(), ConnectionEnd> {
        if !bytes.is_empty() && self.journal.answering() {
            self.journal.first_byte();
        }
        if !bytes.is_empty() || !self.journal.is_empty() {
            self.shared
                .history
                .commit(self.id, &mut self.journal, bytes);
        }
        let mut written = 0;
        while written < bytes.len() {
            let end = match self.stream.write(&bytes[written..]).await {
                Ok(0) => ConnectionEnd::ClientReset,
                Ok(n) => {
                    self.shared.history.meter().sent(n);
                    written += n;
                    continue;
                }
                Err(e) => end_from_io(&e),
            };
            self.shared.history.unsent(self.id, bytes.len() - written);
            return Err(end);
        }
        self.stream.flush().await.map_err(|e| end_from_io(&e))
    }

    /// Sends bytes that are not an HTTP response, recording (the start of) them as the reply.
    pub(crate) async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), ConnectionEnd> {
        let recorded = &bytes[..bytes.len().min(RECORDED_VALUE_LIMIT)];
        self.set_reply(Reply::Raw(recorded.to_vec()));
        self.write(bytes).await
    }

    /// Sends a response that answers no particular request (it may precede the request).
    pub(crate) async fn send_unprompted(
        &mut self,
        response: &WireResponse,
    ) -> Result<(), ConnectionEnd> {
        self.set_reply(Reply::of(response));
        self.write(&response.to_bytes()).await
    }

    /// Writes a complete response to `request` and records it. Keeps the connection if both sides
    /// allow it; adds `Connection: close` when the client asked to close.
    pub(crate) async fn respond(&mut self, request: &Request, response: WireResponse) -> Served {
        let close = response.closes() || request.wants_close();
        let response = if close && !response.closes() {
            response.header("Connection", "close")
        } else {
            response
        };
        self.send_response(request, &response).await?;
        Ok(if close {
            After::Close
        } else {
            After::KeepAlive
        })
    }

    /// Writes `response` exactly as built (no body for HEAD) and records it, leaving what happens
    /// to the connection to the mode.
    pub(crate) async fn send_response(
        &mut self,
        request: &Request,
        response: &WireResponse,
    ) -> Result<(), ConnectionEnd> {
        self.set_reply(Reply::of(response));
        let bytes = if request.method == Method::HEAD {
            response.head_bytes()
        } else {
            response.to_bytes()
        };
        self.write(&bytes).await
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::connection::Record;
    use crate::connection::conn::testing::accepted;

    #[tokio::test]
    async fn respond_closes_when_the_client_asked_and_says_so_on_the_wire() {
        let (mut conn, mut client) = accepted().await;
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let request = conn.read_request(Record::AtOnce).await.unwrap();
        let after = conn
            .respond(&request, WireResponse::new(200))
            .await
            .unwrap();
        assert_eq!(after, After::Close);
        let mut answer = vec![0; 1024];
        let n = client.read(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer[..n]);
        assert!(answer.contains("\r\nConnection: close\r\n"), "{answer}");
    }

    #[tokio::test]
    async fn a_head_request_gets_the_head_without_the_body() {
        let (mut conn, mut client) = accepted().await;
        client
            .write_all(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let request = conn.read_request(Record::AtOnce).await.unwrap();
        let response = WireResponse::new(200).body("body");
        assert_eq!(
            conn.respond(&request, response).await.unwrap(),
            After::KeepAlive
        );
        drop(conn);
        let mut answer = Vec::new();
        client.read_to_end(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.ends_with("Content-Length: 4\r\n\r\n"), "{answer}");
    }
}
