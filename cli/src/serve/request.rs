//! Reading what a request carries: query parameters (each route lists the
//! ones it takes; any other is refused, so a misspelt `programs=` is not
//! silently ignored), the body's content type, and the body itself within
//! its size limit; and whether the body was read to its end (an answer
//! given before then closes the connection, which cannot carry another
//! request while the rest of the body is on it).

use super::errors::{Kind, Problem};
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap};
use bangfu::{Date, Lang, Reform};
use http_body::Body as _;
use http_body_util::{BodyExt, Limited};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

/// The query parameters of a request.
#[derive(Debug, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Reads the query string; every name must be in `allowed`.
    ///
    /// # Errors
    /// `invalid_query` at the first name not allowed.
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Query, Problem> {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if let Some((name, _)) = pairs.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
            return Err(Problem::query(
                name,
                format!(
                    "`{name}` is not a parameter of this route (it takes {})",
                    allowed.join(", ")
                ),
            ));
        }
        Ok(Query { pairs })
    }

    /// Every value given for `name`, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The one value given for `name`, if any.
    ///
    /// # Errors
    /// `invalid_query` when it is given twice.
    pub fn one(&self, name: &str) -> Result<Option<&str>, Problem> {
        let mut values = self.pairs.iter().filter(|(k, _)| k == name);
        let first = values.next().map(|(_, v)| v.as_str());
        if values.next().is_some() {
            return Err(Problem::query(name, "is given more than once"));
        }
        Ok(first)
    }

    /// The value of a required parameter.
    ///
    /// # Errors
    /// `invalid_query` when it is missing or given twice.
    pub fn required(&self, name: &str, what: &str) -> Result<&str, Problem> {
        self.one(name)?
            .ok_or_else(|| Problem::query(name, format!("is required ({what})")))
    }

    /// A required date, `YYYY-MM-DD`.
    ///
    /// # Errors
    /// `invalid_query` when missing or not a date.
    pub fn date(&self, name: &str) -> Result<Date, Problem> {
        let text = self.required(name, "a date, YYYY-MM-DD")?;
        Date::parse(text)
            .ok_or_else(|| Problem::query(name, format!("`{text}` is not a date (YYYY-MM-DD)")))
    }

    /// An optional flag: `true` or `false`.
    ///
    /// # Errors
    /// `invalid_query` for anything else.
    pub fn flag(&self, name: &str) -> Result<bool, Problem> {
        match self.one(name)? {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(Problem::query(
                name,
                format!("`{other}` is not true or false"),
            )),
        }
    }

    /// The language of an explanation asked for with `explain=zh|en`.
    ///
    /// # Errors
    /// `invalid_query` for another language.
    pub fn explain(&self) -> Result<Option<Lang>, Problem> {
        self.one("explain")?
            .map(|l| {
                Lang::parse(l)
                    .ok_or_else(|| Problem::query("explain", format!("`{l}` is not zh or en")))
            })
            .transpose()
    }

    /// The reform given as `reform=` (a JSON object of parameter names to
    /// values, or to `{value, from}`: the format of the bindings), read by
    /// the core.
    ///
    /// # Errors
    /// `invalid_query` when it is not JSON; `invalid_reform` with every
    /// entry that does not fit.
    pub fn reform(&self) -> Result<Reform, Problem> {
        let Some(text) = self.one("reform")? else {
            return Ok(Reform::new());
        };
        let json = strict_json("reform", text.as_bytes())
            .map_err(|p| Problem::query("reform", p.detail.clone()))?;
        Reform::from_json(&json).map_err(|e| Problem::reform(&e))
    }
}

/// JSON text of a request read by the core's strict reader, as every
/// surface reads it: a key given twice is an input error naming both places
/// (`duplicate_key`), never the last value silently.
///
/// # Errors
/// `invalid_json` when the text is not JSON (or not UTF-8); the reader's
/// input error otherwise.
pub fn strict_json(what: &str, bytes: &[u8]) -> Result<serde_json::Value, Problem> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Problem::new(Kind::InvalidJson, format!("{what}: not UTF-8 text: {e}")))?;
    bangfu::json::parse_strict(text).map_err(|e| {
        if e.code == "invalid_json" {
            Problem::new(Kind::InvalidJson, format!("{what}: {}", e.msg))
        } else {
            Problem::input(what, &[e])
        }
    })
}

/// The body's media type, lower case, without parameters.
fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next().unwrap_or("").trim();
    Some(essence.to_ascii_lowercase())
}

/// The body's media type, if it is one of `accepted`.
///
/// # Errors
/// `unsupported_media_type` (415), naming the types the route reads.
pub fn content_type(
    headers: &HeaderMap,
    accepted: &[&'static str],
) -> Result<&'static str, Problem> {
    let given = media_type(headers);
    given
        .as_deref()
        .and_then(|g| accepted.iter().find(|a| **a == g).copied())
        .ok_or_else(|| {
            Problem::new(
                Kind::UnsupportedMediaType,
                format!(
                    "Content-Type: {} is not read here; send {}",
                    given.as_deref().unwrap_or("(none)"),
                    accepted.join(" or ")
                ),
            )
            .at("Content-Type")
        })
}

/// How much of a body over its limit is read and thrown away before the
/// answer, so that the client, still sending, reads the 413 instead of a
/// reset connection.
const DRAINED: usize = 4 << 20;

/// Reads and drops up to [`DRAINED`] bytes of what is left of a body.
async fn drain(body: Body) {
    let mut body = Limited::new(body, DRAINED);
    while let Some(Ok(_)) = body.frame().await {}
}

/// The whole body, if it is at most `limit` bytes.
///
/// # Errors
/// `too_large` (413) as soon as the declared length or the bytes read pass
/// the limit; `invalid_input` when the connection fails while reading.
pub async fn body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, Problem> {
    let too_large = || {
        Problem::new(
            Kind::TooLarge,
            format!("the body is larger than {limit} bytes (the server's limit)"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > u64::try_from(limit).unwrap_or(u64::MAX)) {
        drain(body).await;
        return Err(too_large());
    }
    let mut body = body;
    // One allocation of the declared length, the bytes copied in once.
    let mut bytes = bytes::BytesMut::with_capacity(
        declared
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
            .min(limit),
    );
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            Problem::new(
                Kind::InvalidInput,
                format!("the body could not be read: {e}"),
            )
        })?;
        if let Ok(data) = frame.into_data() {
            if bytes.len().saturating_add(data.len()) > limit {
                drain(body).await;
                return Err(too_large());
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(bytes.freeze())
}

/// A request body that says when it has been read to its end.
pub struct Tracked {
    inner: Body,
    ended: Arc<AtomicBool>,
}

impl Tracked {
    /// `body`, and the flag set once it has been read to its end.
    pub fn new(body: Body) -> (Tracked, Arc<AtomicBool>) {
        let ended = Arc::new(AtomicBool::new(body.is_end_stream()));
        (
            Tracked {
                inner: body,
                ended: ended.clone(),
            },
            ended,
        )
    }
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) {
            this.ended.store(true, Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
