//! Batches as Arrow IPC streams (`application/vnd.apache.arrow.stream`):
//! the cases table and, for cases with members, the members table in, as
//! two streams one after the other; the results table out, then the row
//! problems table, also as two streams. The tables are those of the Python
//! API; the core reads, checks and evaluates them with the columnar engine
//! (`bangfu::arrow`), and writes the results with exact `decimal128` money.

use super::errors::{Kind, Problem};
use super::routes::{decided, CaseQuery};
use arrow_array::{RecordBatch, RecordBatchIterator};
use arrow_buffer::Buffer;
use arrow_ipc::reader::StreamDecoder;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{ArrowError, SchemaRef};
use axum::body::Bytes;
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use bangfu::arrow::{BuildError, Population};
use bangfu::RuleSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The media type of Arrow IPC streams.
pub const ARROW_STREAM: &str = "application/vnd.apache.arrow.stream";

/// The key column linking members to their case, unless `key=` says.
pub const DEFAULT_KEY: &str = bangfu::synthetic::KEY;

/// A table read from a stream: its schema and record batches.
type Table = (SchemaRef, Vec<RecordBatch>);

type Reader = RecordBatchIterator<std::vec::IntoIter<Result<RecordBatch, ArrowError>>>;

fn invalid(detail: impl Into<String>) -> Problem {
    Problem::new(Kind::InvalidArrow, detail)
}

/// Reads a little-endian `u32` at `at`.
fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let four: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(four))
}

/// Splits a body into the IPC streams it holds, one after the other: each
/// ends at its end-of-stream marker (the last may end at the end of the
/// body). Only the framing is read here; the streams are decoded after.
fn split_streams(body: &Buffer) -> Result<Vec<Buffer>, String> {
    let bytes = body.as_slice();
    let mut streams = Vec::new();
    let (mut start, mut at) = (0usize, 0usize);
    while at < bytes.len() {
        let mut len = u32_at(bytes, at).ok_or("a message is cut short")?;
        at += 4;
        if len == u32::MAX {
            len = u32_at(bytes, at).ok_or("a message is cut short")?;
            at += 4;
        }
        if len == 0 {
            streams.push(body.slice_with_length(start, at - start));
            start = at;
            continue;
        }
        let len = usize::try_from(len).map_err(|e| e.to_string())?;
        let meta = bytes
            .get(at..at.saturating_add(len))
            .ok_or("a message's metadata is cut short")?;
        let message = arrow_ipc::root_as_message(meta)
            .map_err(|e| format!("a message cannot be read: {e}"))?;
        let body_len = usize::try_from(message.bodyLength())
            .map_err(|_| "a message has a negative body length".to_string())?;
        at = at
            .saturating_add(len)
            .saturating_add(body_len)
            .min(bytes.len().saturating_add(1));
        if at > bytes.len() {
            return Err("a message's body is cut short".into());
        }
    }
    if start < bytes.len() {
        streams.push(body.slice_with_length(start, bytes.len() - start));
    }
    Ok(streams)
}

/// Decodes one IPC stream (without copying the columns).
fn decode(stream: &Buffer, which: &str) -> Result<Table, Problem> {
    let mut decoder = StreamDecoder::new();
    let mut rest = stream.clone();
    let mut batches = Vec::new();
    while !rest.is_empty() {
        match decoder.decode(&mut rest) {
            Ok(Some(batch)) => batches.push(batch),
            Ok(None) => {}
            Err(e) => return Err(invalid(format!("{which}: {e}")).at(which)),
        }
    }
    decoder
        .finish()
        .map_err(|e| invalid(format!("{which}: {e}")).at(which))?;
    let schema = decoder
        .schema()
        .ok_or_else(|| invalid(format!("{which}: the stream has no schema")).at(which))?;
    Ok((schema, batches))
}

fn reader((schema, batches): Table) -> Reader {
    RecordBatchIterator::new(
        batches.into_iter().map(Ok).collect::<Vec<_>>().into_iter(),
        schema,
    )
}

/// One IPC stream of a table.
fn write(schema: &SchemaRef, batches: &[RecordBatch], out: &mut Vec<u8>) -> Result<(), ArrowError> {
    let mut w = StreamWriter::try_new(out, schema)?;
    for b in batches {
        w.write(b)?;
    }
    w.finish()
}

/// Milliseconds with three decimals, for `Server-Timing`.
fn ms(d: Duration) -> String {
    let us = d.as_micros();
    format!("{}.{:03}", us / 1000, us % 1000)
}

/// What the columnar engine answered, written.
struct Answer {
    body: Vec<u8>,
    cases: usize,
    row_errors: usize,
    timing: String,
}

/// Reads, checks, evaluates and writes (on a blocking thread).
fn evaluate(
    rules: &RuleSet,
    q: &CaseQuery,
    entity: &str,
    key: &str,
    cases: Table,
    members: Option<Table>,
) -> Result<Answer, Problem> {
    let population = Population::read(rules, entity, reader(cases), members.map(reader), key, q.on)
        .map_err(|e| match e {
            BuildError::Columns(errors) => Problem::input("tables", &errors),
            BuildError::Eval(e) => Problem::eval(&e),
            other => invalid(other.to_string()),
        })?;
    let started = Instant::now();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let filter = (!q.programs.is_empty()).then_some(q.programs.as_slice());
    let result = population
        .evaluate(rules, q.on, filter, threads)
        .map_err(|e| Problem::eval(&e))?;
    let evaluated = started.elapsed();
    let started = Instant::now();
    let failed = |e: ArrowError| Problem::new(Kind::Internal, format!("results: {e}"));
    let (schema, batches) = population.results(rules, &result).map_err(failed)?;
    let problems = population.errors_batch().map_err(failed)?;
    let mut body = Vec::new();
    write(&schema, &batches, &mut body).map_err(failed)?;
    write(&problems.schema(), &[problems], &mut body).map_err(failed)?;
    let t = population.timings;
    Ok(Answer {
        body,
        cases: population.cases.len(),
        row_errors: population.errors.len(),
        timing: format!(
            "convert;dur={}, build;dur={}, evaluate;dur={}, write;dur={}",
            ms(t.convert),
            ms(t.build),
            ms(evaluated),
            ms(started.elapsed())
        ),
    })
}

/// Evaluates an Arrow batch: the cases table (and the members table) in,
/// the results and the row problems out.
///
/// # Errors
/// `invalid_arrow` (400) for a body that is not the streams expected;
/// `invalid_input` (400) for columns that cannot be read; `too_many_cases`
/// (413); evaluation errors.
pub async fn batch(
    max_cases: usize,
    rules: Arc<RuleSet>,
    q: CaseQuery,
    key: String,
    body: Bytes,
) -> Result<Response, Problem> {
    let entity = match (&q.entity, q.programs.first()) {
        (Some(e), _) => e.clone(),
        (None, Some(p)) => rules
            .entity_of(p)
            .map_err(|e| Problem::eval(&e))?
            .to_string(),
        (None, None) => "household".to_string(),
    };
    let with_members = rules.has_members(&entity).map_err(|e| Problem::eval(&e))?;
    let body = Buffer::from(body);
    let streams = split_streams(&body).map_err(|e| invalid(format!("the body: {e}")))?;
    let want = if with_members { 2 } else { 1 };
    if streams.len() != want {
        return Err(invalid(format!(
            "the body holds {} Arrow IPC stream(s); `{entity}` cases take {}",
            streams.len(),
            if with_members {
                "two, one after the other: the cases table (households), then the members table"
            } else {
                "one: the cases table"
            }
        )));
    }
    let mut tables = streams.iter().zip(["households", "members"]);
    let cases = match tables.next() {
        Some((s, which)) => decode(s, which)?,
        None => return Err(invalid("the body holds no Arrow IPC stream")),
    };
    let members = tables
        .next()
        .map(|(s, which)| decode(s, which))
        .transpose()?;
    // The key links members to their case: both tables must have it.
    let linked = members
        .iter()
        .flat_map(|m| [("households", &cases), ("members", m)]);
    for (which, (schema, _)) in linked {
        if schema.index_of(&key).is_err() {
            return Err(Problem::query(
                "key",
                format!("the {which} table has no column `{key}` to link cases and members by"),
            ));
        }
    }
    let n: usize = cases.1.iter().map(RecordBatch::num_rows).sum();
    if n > max_cases {
        return Err(Problem::new(
            Kind::TooManyCases,
            format!("{n} cases; the server takes at most {max_cases} in one batch"),
        ));
    }
    let decider = rules.clone();
    let answer =
        tokio::task::spawn_blocking(move || evaluate(&decider, &q, &entity, &key, cases, members))
            .await
            .map_err(|e| Problem::new(Kind::Internal, format!("batch: {e}")))??;
    let cases = u64::try_from(answer.cases).unwrap_or(u64::MAX);
    let mut response = decided(&rules, cases, ARROW_STREAM, answer.body);
    let headers = [
        ("bangfu-row-errors", answer.row_errors.to_string()),
        ("server-timing", answer.timing),
    ];
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            response
                .headers_mut()
                .insert(HeaderName::from_static(name), v);
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn streams_one_after_the_other_are_told_apart() {
        let on = bangfu::Date::parse("2023-09-06").unwrap();
        let d = bangfu::arrow::synthetic::district(30, 1, on).unwrap();
        let mut body = Vec::new();
        write(
            &d.households.schema(),
            std::slice::from_ref(&d.households),
            &mut body,
        )
        .unwrap();
        let first = body.len();
        write(
            &d.members.schema(),
            std::slice::from_ref(&d.members),
            &mut body,
        )
        .unwrap();
        let body = Buffer::from(body);
        let streams = split_streams(&body).unwrap();
        assert_eq!(streams.len(), 2);
        assert_eq!(streams[0].len(), first);
        let (_, households) = decode(&streams[0], "households").unwrap();
        let (_, members) = decode(&streams[1], "members").unwrap();
        assert_eq!(households, [d.households]);
        assert_eq!(members, [d.members]);
        assert!(split_streams(&body.slice_with_length(0, first - 3)).is_err());
        assert!(split_streams(&Buffer::from(vec![1u8, 2, 3])).is_err());
    }
}
