//! The milter: what the policy protocol cannot see. It walks the same facade session as
//! the policy service (connect, HELO, MAIL, RCPT, DATA) from the milter's commands and
//! macros, collects the header and body, and at the end of the message verifies SPF,
//! DKIM, DMARC and ADSP over DNS, then applies the verdict with milter modifications:
//! our `Authentication-Results` and `DKIM-Signature` inserted at the top, forged
//! `Authentication-Results` removed (or renamed), `[meiwaku]` on the subject, forwarding
//! copies as added recipients, refusals as replies with their enhanced codes.
//!
//! Milter crate: `miltr-server` (MIT). `indymilter` is the other maintained one and the
//! more complete, but it is GPL-3.0, which would make this daemon GPL; the daemon needs
//! only what `miltr-server` does (negotiation, framing, the modification replies).
//!
//! Macros asked of Postfix (`milter_*_macros`, see docs/operations.md): `{daemon_port}`
//! and `{client_ptr}` at connect, `{tls_version}` at HELO, `{auth_authen}` at MAIL, `j`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use mail_policy::auth::Verifier;
use mail_policy::port25::{DnsblAnswer, PtrAnswer};
use mail_policy::{Action as PolicyAction, ContentScan, Engine, Session, Verdict, header_fields};
use miltr_common::actions::{Action, Continue, Discard, Replycode};
use miltr_common::commands::{Body, Connect, Family, Header, Helo, Macro, Mail, Recipient};
use miltr_common::modifications::ModificationResponse;
use miltr_common::modifications::headers::{ChangeHeader, InsertHeader};
use miltr_common::modifications::recipients::AddRecipient;
use miltr_common::optneg::{Capability, OptNeg};
use miltr_server::{Milter, Server};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::compat::TokioAsyncReadCompatExt;

use super::fleet::FleetRate;
use super::metrics::{action_name, deciding_rule};
use super::state::Shared;

/// The header a content filter ahead of us writes its spam score in (SpamAssassin and
/// rspamd both can): a number, or `Yes`/`No` first as in `X-Spam-Status`.
const SPAM_HEADERS: [&str; 3] = ["X-Spam-Score", "X-Spam-Status", "X-Spam-Flag"];

/// Why a milter conversation ended early.
#[derive(Debug, thiserror::Error)]
pub enum MilterError {
    /// A command came before the connection it belongs to.
    #[error("milter command {0} before CONNECT")]
    NoSession(&'static str),
}

/// One milter connection's state (Postfix opens one per SMTP session).
pub struct PolicyMilter {
    shared: Arc<Shared>,
    engine: Arc<Engine>,
    verifier: Arc<Verifier>,
    session: Option<Session<'static>>,
    client: Option<IpAddr>,
    macros: HashMap<String, String>,
    tls_seen: bool,
    authenticated: bool,
    /// A refusal at connect or AUTH: given again at every later stage.
    refusal: Option<Verdict>,
    /// The message as received: header fields, blank line, body.
    message: Vec<u8>,
    /// The field names in order, for the milter's per-name header indexes.
    fields: Vec<String>,
    /// The message outgrew the size limit: only its size is counted from there.
    truncated_size: Option<u64>,
    rate_accounting: bool,
    /// The shared rate store, when configured: the milter counts there (when it counts).
    fleet: Option<FleetRate>,
    /// Bytes of `message` counted in the daemon-wide budget.
    held: usize,
    /// The budget was exhausted while this message arrived: it is deferred.
    over_budget: bool,
}

impl Drop for PolicyMilter {
    fn drop(&mut self) {
        self.release();
    }
}

impl std::fmt::Debug for PolicyMilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyMilter")
            .field("client", &self.client)
            .field("message", &self.message.len())
            .finish_non_exhaustive()
    }
}

impl PolicyMilter {
    /// A milter over the daemon's shared state; `rate_accounting`: whether the end of a
    /// message counts against the send rate (off when the policy service counts).
    pub fn new(shared: Arc<Shared>, rate_accounting: bool) -> Self {
        Self {
            engine: shared.engine(),
            verifier: shared.verifier(),
            shared,
            session: None,
            client: None,
            macros: HashMap::new(),
            tls_seen: false,
            authenticated: false,
            refusal: None,
            message: Vec::new(),
            fields: Vec::new(),
            truncated_size: None,
            rate_accounting,
            fleet: None,
            held: 0,
            over_budget: false,
        }
    }

    /// The shared store this milter counts in: only when it counts at all.
    fn counting_fleet(&self) -> Option<FleetRate> {
        self.fleet.clone().filter(|_| self.rate_accounting)
    }

    fn macro_value(&self, name: &str) -> &str {
        self.macros
            .get(name)
            .or_else(|| self.macros.get(name.trim_matches(|c| c == '{' || c == '}')))
            .map_or("", String::as_str)
    }

    fn session(&mut self, command: &'static str) -> Result<&mut Session<'static>, MilterError> {
        self.session.as_mut().ok_or(MilterError::NoSession(command))
    }

    /// The message bytes kept: the size limit plus room for our own headers; past it the
    /// message is refused by size anyway.
    fn keep_limit(&self) -> usize {
        usize::try_from(self.engine.mailbox_policy().limits().max_message_bytes())
            .unwrap_or(usize::MAX)
            .saturating_add(1)
    }

    fn append(&mut self, bytes: &[u8]) {
        let limit = self.keep_limit();
        if self.over_budget {
            return;
        }
        if let Some(size) = &mut self.truncated_size {
            *size += bytes.len() as u64;
        } else if self.message.len() + bytes.len() > limit {
            self.truncated_size = Some((self.message.len() + bytes.len()) as u64);
            self.release();
        } else if !self.reserve(bytes.len()) {
            self.over_budget = true;
            self.release();
        } else {
            self.message.extend_from_slice(bytes);
        }
    }

    /// Takes `n` more bytes from the daemon-wide budget of message bytes held by milter
    /// connections (`--milter-memory-mb`); false when that would exceed it.
    fn reserve(&mut self, n: usize) -> bool {
        let budget = &self.shared.milter_bytes;
        let before = budget.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        if before.saturating_add(n) > self.shared.limits.milter_memory {
            budget.fetch_sub(n, std::sync::atomic::Ordering::Relaxed);
            return false;
        }
        self.held += n;
        true
    }

    /// Frees the message kept so far and gives its bytes back to the budget.
    fn release(&mut self) {
        self.shared
            .milter_bytes
            .fetch_sub(self.held, std::sync::atomic::Ordering::Relaxed);
        self.held = 0;
        self.message = Vec::new();
    }

    fn reset_message(&mut self) {
        self.release();
        self.fields.clear();
        self.truncated_size = None;
        self.over_budget = false;
    }

    /// Counts and logs a verdict, and turns it into a milter action.
    fn answer(&self, verdict: &Verdict) -> Action {
        self.shared.metrics.count("milter", verdict);
        let rules: Vec<&str> = verdict.checks.iter().map(|c| c.rule).collect();
        let client = self.client.map(|c| c.to_string()).unwrap_or_default();
        if verdict.is_accept() {
            tracing::debug!(protocol = "milter", stage = ?verdict.stage, action = action_name(verdict.action), rule = deciding_rule(verdict), rules = %rules.join(","), %client, account = self.macro_value("{auth_authen}"), reply = %verdict.reply, "decision");
        } else {
            tracing::info!(protocol = "milter", stage = ?verdict.stage, action = action_name(verdict.action), rule = deciding_rule(verdict), rules = %rules.join(","), %client, account = self.macro_value("{auth_authen}"), reply = %verdict.reply, "decision");
        }
        action_of(verdict)
    }

    /// AUTH as the `{auth_authen}` macro tells (sent with MAIL).
    fn authenticate(&mut self) {
        if self.authenticated || self.refusal.is_some() {
            return;
        }
        let login = self.macro_value("{auth_authen}").to_owned();
        if login.is_empty() {
            return;
        }
        self.authenticated = true;
        let geo = self.engine.geo_setting(&login);
        if let Some(session) = self.session.as_mut() {
            let verdict = session.auth(&login, &geo);
            if !verdict.is_accept() {
                self.refusal = Some(verdict);
            }
        }
    }

    async fn end_of_message(&mut self) -> Result<ModificationResponse, MilterError> {
        if let Some(refusal) = self.refusal.clone() {
            return Ok(ModificationResponse::builder().build(self.answer(&refusal)));
        }
        if self.over_budget {
            // Not a rule's verdict: the daemon's own memory bound, so the client retries.
            self.shared
                .metrics
                .milter_memory_deferrals
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::warn!(
                client = ?self.client,
                budget = self.shared.limits.milter_memory,
                "milter message budget exhausted; message deferred"
            );
            self.reset_message();
            let reply = Replycode::new(
                [4, 5, 1],
                [4, 3, 1],
                "Insufficient system storage, try again later",
            );
            return Ok(ModificationResponse::builder().build(reply));
        }
        let receiver = self.macro_value("j").to_owned();
        let receiver = if receiver.is_empty() {
            self.engine.config().auth.authserv_id.clone()
        } else {
            receiver
        };
        let scan = spam_scan(&self.message);
        // With a shared store, the session's memory never counts (`fleet` does below).
        let rate_accounting = self.rate_accounting && self.fleet.is_none();
        let fleet = self.counting_fleet();
        let account = self.macro_value("{auth_authen}").to_owned();
        let client = self.client;
        let verifier = Arc::clone(&self.verifier);
        let message = std::mem::take(&mut self.message);
        let truncated = self.truncated_size;
        let session = self.session("end of message")?;
        session.set_rate_accounting(rate_accounting);
        let now = chrono::Utc::now();
        let recipients = u32::try_from(session.recipients().len()).unwrap_or(u32::MAX);
        let mut verdict = match truncated {
            Some(size) => session.end_of_data(size, now),
            None => {
                session
                    .end_of_message_verified(&message, &verifier, &receiver, &scan, now)
                    .await
            }
        };
        if let (Some(fleet), Some(client)) = (fleet, client) {
            if verdict.is_accept() {
                if let Some(refusal) = fleet
                    .check(
                        &account,
                        client,
                        Some(recipients),
                        mail_policy::Stage::EndOfMessage,
                    )
                    .await
                {
                    verdict = refusal;
                }
            }
        }
        let action = self.answer(&verdict);
        let mut response = ModificationResponse::builder();
        if verdict.action == PolicyAction::Accept {
            // Removals first, from the last field up, so earlier indexes stay valid.
            let mut edits: Vec<_> = verdict.edit_headers.iter().collect();
            edits.sort_by_key(|e| std::cmp::Reverse(e.index));
            for edit in edits {
                let nth = self.fields[..=edit.index.min(self.fields.len().saturating_sub(1))]
                    .iter()
                    .filter(|n| n.eq_ignore_ascii_case(&edit.name))
                    .count();
                let nth = u32::try_from(nth).unwrap_or(u32::MAX);
                response.push(ChangeHeader::new(nth, edit.name.as_bytes(), b""));
                if let Some(new_name) = &edit.rename_to {
                    if let Some(value) = field_value(&message, edit.index) {
                        let position = u32::try_from(edit.index).unwrap_or(u32::MAX);
                        response.push(InsertHeader::new(
                            position,
                            new_name.as_bytes(),
                            milter_value(&value).as_bytes(),
                        ));
                    }
                }
            }
            // Ours at the top, in the order the verdict lists them.
            for header in verdict.add_headers.iter().rev() {
                response.push(InsertHeader::new(
                    0,
                    header.name.as_bytes(),
                    milter_value(&header.value).as_bytes(),
                ));
            }
            if let Some(subject) = &verdict.subject {
                let value = subject.strip_prefix(' ').unwrap_or(subject);
                response.push(ChangeHeader::new(
                    1,
                    b"Subject",
                    milter_value(value).as_bytes(),
                ));
            }
            for delivery in &verdict.deliveries {
                for target in &delivery.forward_to {
                    response.push(AddRecipient::new(format!("<{target}>").as_bytes()));
                }
            }
        }
        self.reset_message();
        Ok(response.build(action))
    }
}

/// A header value as the milter protocol wants it: folded lines end in a bare LF (the MTA
/// writes its own line ends).
fn milter_value(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains('\r') {
        std::borrow::Cow::Owned(value.replace("\r\n", "\n"))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

/// A spam score from a content filter ahead of us, if it wrote one.
fn spam_scan(message: &[u8]) -> ContentScan {
    for (name, value) in header_fields(message) {
        if !SPAM_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(&name)) {
            continue;
        }
        let value = value.trim();
        // `Yes, score=12.3 required=5.0 ...` (X-Spam-Status), `YES` (X-Spam-Flag).
        if let Some(score) = value
            .split(|c: char| c == ',' || c.is_whitespace())
            .find_map(|part| part.strip_prefix("score="))
            .or(Some(value))
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|s| s.is_finite())
        {
            return ContentScan::spam_score(score);
        }
        if value.len() >= 3 && value[..3].eq_ignore_ascii_case("yes") {
            return ContentScan::spam_score(f64::from(u16::MAX));
        }
    }
    ContentScan::default()
}

fn field_value(message: &[u8], index: usize) -> Option<String> {
    header_fields(message)
        .into_iter()
        .nth(index)
        .map(|(_, v)| v.trim_start().to_owned())
}

/// The milter action of a verdict.
fn action_of(verdict: &Verdict) -> Action {
    match verdict.action {
        PolicyAction::Accept => Continue.into(),
        PolicyAction::Discard => Discard.into(),
        PolicyAction::Reject | PolicyAction::Defer => {
            let code = verdict.reply.code;
            let rcode = [
                u8::try_from(code / 100).unwrap_or(5),
                u8::try_from(code / 10 % 10).unwrap_or(5),
                u8::try_from(code % 10).unwrap_or(4),
            ];
            let mut parts = verdict.reply.enhanced.split('.').map(|p| p.parse::<u16>());
            match (parts.next(), parts.next(), parts.next()) {
                (Some(Ok(a)), Some(Ok(b)), Some(Ok(c))) => {
                    Replycode::new(rcode, [a, b, c], &verdict.reply.text).into()
                }
                _ => Replycode::without_xcode(rcode, &verdict.reply.text).into(),
            }
        }
    }
}

#[async_trait]
impl Milter for PolicyMilter {
    type Error = MilterError;

    async fn option_negotiation(
        &mut self,
        theirs: OptNeg,
    ) -> Result<OptNeg, miltr_server::Error<Self::Error>> {
        let ours = OptNeg {
            capabilities: Capability::SMFIF_ADDHDRS
                | Capability::SMFIF_CHGHDRS
                | Capability::SMFIF_ADDRCPT,
            ..OptNeg::default()
        };
        Ok(ours
            .merge_compatible(&theirs)
            .map_err(miltr_common::ProtocolError::CompatibilityError)?)
    }

    async fn macro_(&mut self, macro_: Macro) -> Result<(), Self::Error> {
        for (name, value) in macro_.macros() {
            let name = String::from_utf8_lossy(name).into_owned();
            let value = String::from_utf8_lossy(value).into_owned();
            self.macros.insert(name, value);
        }
        Ok(())
    }

    async fn connect(&mut self, connect: Connect) -> Result<Action, Self::Error> {
        // Each SMTP session uses the engine current when it starts.
        self.engine = self.shared.engine();
        self.verifier = self.shared.verifier();
        self.fleet = self.shared.fleet();
        let client = match connect.family {
            Family::Inet | Family::Inet6 => connect.address().parse::<IpAddr>().ok(),
            _ => None,
        }
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
        let port = self
            .macro_value("{daemon_port}")
            .parse::<u16>()
            .unwrap_or(25);
        let reverse = self.macro_value("{client_ptr}").to_owned();
        let hostname = connect.hostname().into_owned();
        let ptr = if reverse.is_empty() || reverse.eq_ignore_ascii_case("unknown") {
            // Without `{client_ptr}`, the connect name: `[address]` when unverified.
            if hostname.starts_with('[') || hostname.is_empty() {
                PtrAnswer::NoName
            } else {
                PtrAnswer::Name {
                    name: hostname.clone(),
                    forward_confirmed: true,
                }
            }
        } else {
            PtrAnswer::Name {
                forward_confirmed: reverse.eq_ignore_ascii_case(&hostname),
                name: reverse,
            }
        };
        let (session, verdict) = self.engine.connect_shared(&mail_policy::Connect {
            client_ip: client,
            port,
            ptr: &ptr,
            dnsbl: &DnsblAnswer::NotListed,
            recent_messages: self.shared.recent_messages(client, Instant::now()) + 1,
            // Rule IDs only: the daemons log them, not the outcome texts.
            explain: false,
        });
        self.session = Some(session);
        self.client = Some(client);
        self.tls_seen = false;
        self.authenticated = false;
        // Postfix replies to a milter's refusal at CONNECT with its own generic text
        // ("not accepting connections"); like its `smtpd_delay_reject`, the refusal is
        // given at MAIL instead, where our reply text with the rule and the client's
        // address reaches the client.
        if verdict.is_accept() {
            self.refusal = None;
            Ok(self.answer(&verdict))
        } else {
            self.refusal = Some(verdict);
            Ok(Continue.into())
        }
    }

    async fn helo(&mut self, helo: Helo) -> Result<Action, Self::Error> {
        if self.refusal.is_some() {
            return Ok(Continue.into());
        }
        let tls = !self.macro_value("{tls_version}").is_empty();
        let starttls = tls && !self.tls_seen;
        self.tls_seen |= tls;
        let session = self.session("HELO")?;
        if starttls {
            session.starttls();
        }
        let verdict = session.ehlo(&helo.helo());
        Ok(self.answer(&verdict))
    }

    async fn mail(&mut self, mail: Mail) -> Result<Action, Self::Error> {
        self.reset_message();
        self.authenticate();
        if let Some(refusal) = self.refusal.clone() {
            return Ok(self.answer(&refusal));
        }
        let mut args = bracket(&mail.sender());
        for arg in mail.esmtp_args() {
            args.push(' ');
            args.push_str(&arg);
        }
        let mut verdict = self.session("MAIL")?.mail_from(&args, chrono::Utc::now());
        if let (true, Some(fleet), Some(client)) =
            (verdict.is_accept(), self.counting_fleet(), self.client)
        {
            let account = self.macro_value("{auth_authen}").to_owned();
            if let Some(refusal) = fleet
                .check(&account, client, None, mail_policy::Stage::Mail)
                .await
            {
                verdict = refusal;
            }
        }
        Ok(self.answer(&verdict))
    }

    async fn rcpt(&mut self, recipient: Recipient) -> Result<Action, Self::Error> {
        if let Some(refusal) = self.refusal.clone() {
            return Ok(self.answer(&refusal));
        }
        let mut args = bracket(&recipient.recipient());
        for arg in recipient.esmtp_args() {
            args.push(' ');
            args.push_str(&arg);
        }
        let verdict = self.session("RCPT")?.rcpt_to(&args);
        Ok(self.answer(&verdict))
    }

    async fn data(&mut self) -> Result<Action, Self::Error> {
        if let Some(refusal) = self.refusal.clone() {
            return Ok(self.answer(&refusal));
        }
        let verdict = self.session("DATA")?.data();
        Ok(self.answer(&verdict))
    }

    async fn header(&mut self, header: Header) -> Result<Action, Self::Error> {
        let name = header.name().into_owned();
        let value = header.value();
        // Postfix sends folded values with bare LF; the message is kept in CRLF form.
        let value = value.replace("\r\n", "\n").replace('\n', "\r\n");
        let mut line = Vec::with_capacity(name.len() + value.len() + 4);
        line.extend_from_slice(name.as_bytes());
        line.extend_from_slice(b": ");
        line.extend_from_slice(value.as_bytes());
        line.extend_from_slice(b"\r\n");
        self.append(&line);
        self.fields.push(name);
        Ok(Continue.into())
    }

    async fn end_of_header(&mut self) -> Result<Action, Self::Error> {
        self.append(b"\r\n");
        Ok(Continue.into())
    }

    async fn body(&mut self, body: Body) -> Result<Action, Self::Error> {
        self.append(body.as_bytes());
        Ok(Continue.into())
    }

    async fn end_of_body(&mut self) -> Result<ModificationResponse, Self::Error> {
        self.end_of_message().await
    }

    async fn abort(&mut self) -> Result<(), Self::Error> {
        self.reset_message();
        if let Some(session) = self.session.as_mut() {
            session.reset();
        }
        Ok(())
    }

    async fn quit(&mut self) -> Result<(), Self::Error> {
        self.session = None;
        self.reset_message();
        Ok(())
    }
}

/// `<address>` whether or not the MTA sent the brackets.
fn bracket(address: &str) -> String {
    let address = address.trim();
    if address.starts_with('<') {
        address.to_owned()
    } else {
        format!("<{address}>")
    }
}

/// Serves one milter connection until the MTA closes it, it idles past `idle`, or it
/// sends something that is not the milter protocol (logged, connection closed).
pub async fn connection<S: AsyncRead + AsyncWrite + Unpin + Send>(
    stream: S,
    peer: &str,
    shared: &Arc<Shared>,
    idle: Duration,
    rate_accounting: bool,
) {
    let mut milter = PolicyMilter::new(Arc::clone(shared), rate_accounting);
    // Frames up to the largest body chunk Postfix sends (64 KB) and some room.
    let mut server = Server::new(&mut milter, false, 1 << 20);
    let stream = IdleTimeout::new(stream, idle).compat();
    match server.handle_connection(stream).await {
        Ok(()) => {}
        Err(miltr_server::Error::Io(e)) if e.kind() == std::io::ErrorKind::TimedOut => {
            tracing::debug!(%peer, "idle milter connection closed");
        }
        Err(e) => {
            shared
                .metrics
                .closed_bad_input
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::warn!(%peer, error = %e, "milter connection closed");
        }
    }
}

/// A stream whose reads fail with `TimedOut` after `idle` without data.
struct IdleTimeout<S> {
    inner: S,
    idle: Duration,
    sleep: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl<S> IdleTimeout<S> {
    fn new(inner: S, idle: Duration) -> Self {
        Self {
            inner,
            idle,
            sleep: Box::pin(tokio::time::sleep(idle)),
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for IdleTimeout<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = &mut *self;
        match std::pin::Pin::new(&mut this.inner).poll_read(cx, buf) {
            std::task::Poll::Ready(result) => {
                let deadline = tokio::time::Instant::now() + this.idle;
                this.sleep.as_mut().reset(deadline);
                std::task::Poll::Ready(result)
            }
            std::task::Poll::Pending => match this.sleep.as_mut().poll(cx) {
                std::task::Poll::Ready(()) => std::task::Poll::Ready(Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "idle milter connection",
                ))),
                std::task::Poll::Pending => std::task::Poll::Pending,
            },
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for IdleTimeout<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spam_scores_are_read_from_the_filters_headers() {
        let scan = spam_scan(b"X-Spam-Score: 12.5\r\nSubject: x\r\n\r\nbody");
        assert_eq!(scan, ContentScan::spam_score(12.5));
        let scan = spam_scan(b"X-Spam-Status: Yes, score=7.1 required=5.0\r\n\r\n");
        assert_eq!(scan, ContentScan::spam_score(7.1));
        let scan = spam_scan(b"Subject: x\r\n\r\nX-Spam-Score: 99\r\n");
        assert_eq!(scan, ContentScan::default());
        let scan = spam_scan(b"X-Spam-Score: NaN\r\n\r\n");
        assert_eq!(scan, ContentScan::default());
    }

    #[test]
    fn refusals_keep_their_codes() {
        let verdict = Verdict::new(
            mail_policy::Stage::Rcpt,
            mail_policy::reply::too_many_recipients(200),
        );
        let Action::Replycode(reply) = action_of(&verdict) else {
            panic!("a reply code");
        };
        assert!(reply.message().contains("MBX-RCPT"), "{}", reply.message());
    }
}
