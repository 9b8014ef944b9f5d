//! `bangfu serve`, tested over HTTP: each test starts the real binary on a
//! loopback port chosen by the system and calls it as a district system
//! would.
//!
//! - the conformance suite through `POST …/evaluate`, byte for byte the
//!   JSON (and the explanations) of `bangfu eval`;
//! - an NDJSON batch equal to its cases sent one by one;
//! - every error status, as an RFC 9457 problem with the CLI's code and loc;
//! - reloads (admin route and SIGHUP, good and bad rule sets) while clients
//!   keep asking, with no request failing;
//! - graceful shutdown with a request in flight;
//! - metrics, access logs without personal data, CORS, the OpenAPI document.

// Helpers outside #[test] functions fail the test the same way.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

mod common;

use common::{bangfu, conformance_cases, repo};

use serde_json::{json, Value as Json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

const RULES: &str = "rules/cn-qingdao-chengyang";
const ID: &str = "cn-qingdao-chengyang";
const TOKEN: &str = "test-admin-token-0123456789";

// ---------------------------------------------------------------------------
// The server and a client
// ---------------------------------------------------------------------------

/// A running `bangfu serve`; killed when dropped.
struct Server {
    child: Child,
    base: String,
    addr: String,
    logs: Arc<Mutex<Vec<String>>>,
    agent: ureq::Agent,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

impl Server {
    /// Starts the server on `rules` with extra flags and waits until it
    /// listens.
    fn start(rules: &Path, flags: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bangfu"))
            .arg("serve")
            .arg("--rules")
            .arg(rules)
            .args(["--addr", "127.0.0.1:0", "--workers", "2"])
            .args(flags)
            .current_dir(repo())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("bangfu serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let kept = logs.clone();
        // Reads the log to the end, so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.contains("\"event\":\"listening\"") {
                    let j: Json = serde_json::from_str(&line).expect("log lines are JSON");
                    let _ = tx.send(j["addr"].as_str().unwrap_or("").to_string());
                }
                kept.lock().unwrap().push(line);
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                let out = child.wait_with_output().expect("output");
                panic!(
                    "the server did not start:\n{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        };
        Server {
            base: format!("http://{addr}"),
            addr,
            child,
            logs,
            agent: agent(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn get(&self, path: &str) -> Answer {
        Answer::from(self.agent.get(self.url(path)).call().expect("GET"))
    }

    fn post(&self, path: &str, content_type: &str, body: &str) -> Answer {
        post_with(&self.agent, &self.url(path), content_type, body, &[])
    }

    fn evaluate(&self, query: &str, case: &Json) -> Answer {
        self.evaluate_in(ID, query, case)
    }

    /// Evaluates with the rule set `id`.
    fn evaluate_in(&self, id: &str, query: &str, case: &Json) -> Answer {
        self.post(
            &format!("/v1/rulesets/{id}/evaluate?{query}"),
            "application/json",
            &case.to_string(),
        )
    }

    fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(ok.success(), "kill -{name}");
    }

    fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }

    /// Waits for a log line containing every needle.
    fn wait_for_log(&self, needles: &[&str]) -> String {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if let Some(l) = self
                .logs()
                .into_iter()
                .find(|l| needles.iter().all(|n| l.contains(n)))
            {
                return l;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("no log line with {needles:?}:\n{}", self.logs().join("\n"));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response, read whole.
#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    content_type: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl From<ureq::http::Response<ureq::Body>> for Answer {
    fn from(mut r: ureq::http::Response<ureq::Body>) -> Answer {
        let headers: Vec<(String, String)> = r
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = r
            .body_mut()
            .with_config()
            .limit(256 << 20)
            .read_to_string()
            .expect("body");
        Answer {
            status: r.status().as_u16(),
            content_type: header(&headers, "content-type").unwrap_or_default(),
            headers,
            body,
        }
    }
}

fn header(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

impl Answer {
    fn json(&self) -> Json {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    fn header(&self, name: &str) -> Option<String> {
        header(&self.headers, name)
    }

    /// Asserts an RFC 9457 problem with this status, code and loc.
    fn problem(&self, status: u16, code: &str, loc: Option<&str>) -> Json {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.content_type, "application/problem+json", "{self:?}");
        let p = self.json();
        assert_eq!(p["status"], status, "{p}");
        assert_eq!(p["code"], code, "{p}");
        assert!(p["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:bangfu:problem:"));
        for field in ["title", "title_zh", "detail"] {
            assert!(!p[field].as_str().unwrap_or("").is_empty(), "{field}: {p}");
        }
        if let Some(loc) = loc {
            assert_eq!(p["loc"], loc, "{p}");
        }
        p
    }
}

fn post_with(
    agent: &ureq::Agent,
    url: &str,
    content_type: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let mut req = agent.post(url).header("content-type", content_type);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    Answer::from(req.send(body).expect("POST"))
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

// ---------------------------------------------------------------------------
// The conformance suite
// ---------------------------------------------------------------------------

/// The query of a conformance case, and the `bangfu eval` arguments that
/// ask the same.
fn case_request(ruleset: &str, case: &Json) -> (String, Vec<String>) {
    let on = case["as_of"].as_str().unwrap_or("");
    let entity = case["entity"].as_str().unwrap_or("");
    let mut query = format!("on={on}&entity={entity}");
    let mut args: Vec<String> = ["eval", ruleset, "--on", on, "--entity", entity]
        .map(String::from)
        .to_vec();
    for p in case["programs"].as_array().into_iter().flatten() {
        let p = p.as_str().unwrap_or("");
        query.push_str(&format!("&program={p}"));
        args.extend(["--program".into(), p.into()]);
    }
    if let Some(reform) = case["reform"].as_object() {
        query.push_str(&format!(
            "&reform={}",
            enc(&Json::from(reform.clone()).to_string())
        ));
        for (name, value) in reform {
            let value = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            args.extend(["--set".into(), format!("{name}={value}")]);
        }
    }
    args.push("-".into());
    (query, args)
}

fn check_case(server: &Server, ruleset: &str, case: &Json) -> Vec<String> {
    let id = case["id"].as_str().unwrap_or("?");
    let (query, args) = case_request(ruleset, case);
    let input = case["input"].to_string();
    // The rule set's folder is named by its id.
    let rules_id = Path::new(ruleset)
        .file_name()
        .map_or(ID.to_string(), |n| n.to_string_lossy().to_string());
    let got = server.evaluate_in(&rules_id, &query, &case["input"]);
    let mut failures = Vec::new();
    if let Some(want) = case.get("expect_error") {
        let code = want["code"].as_str().unwrap_or("");
        let p: Json = serde_json::from_str(&got.body).unwrap_or(Json::Null);
        let status = match code {
            "unknown_program" | "unknown_entity" => 404,
            "no_rules_in_force" | "overflow" => 422,
            _ => 400,
        };
        if got.status != status {
            failures.push(format!("{id}: status {}, expected {status}", got.status));
        }
        if got.content_type != "application/problem+json" {
            failures.push(format!("{id}: content type {}", got.content_type));
        }
        let codes: Vec<&str> = std::iter::once(&p)
            .chain(p["errors"].as_array().into_iter().flatten())
            .filter_map(|e| e["code"].as_str())
            .collect();
        if !codes.contains(&code) {
            failures.push(format!("{id}: no `{code}` in {p}"));
        }
        if let Some(loc) = want.get("loc").and_then(Json::as_str) {
            let located = std::iter::once(&p)
                .chain(p["errors"].as_array().into_iter().flatten())
                .any(|e| e["code"] == code && e["loc"] == loc);
            if !located {
                failures.push(format!("{id}: `{code}` is not at `{loc}` in {p}"));
            }
        }
        return failures;
    }
    let cli = bangfu(&args, Some(&input));
    if cli.status.code() != Some(0) {
        return vec![format!(
            "{id}: bangfu eval failed: {}",
            String::from_utf8_lossy(&cli.stderr)
        )];
    }
    if got.status != 200 || got.body.as_bytes() != cli.stdout.as_slice() {
        failures.push(format!(
            "{id}: POST …/evaluate?{query} differs from bangfu {}\n--- HTTP {}\n{}\n--- CLI\n{}",
            args.join(" "),
            got.status,
            got.body,
            String::from_utf8_lossy(&cli.stdout)
        ));
    }
    for (name, value) in [
        ("bangfu-ruleset-id", rules_id.clone()),
        (
            "bangfu-ruleset-hash",
            got.json()["ruleset"]["hash"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        ),
    ] {
        if got.header(name).as_deref() != Some(value.as_str()) {
            failures.push(format!("{id}: header {name} is {:?}", got.header(name)));
        }
    }
    if case.get("reform").is_some() && got.header("bangfu-reform-hash").is_none() {
        failures.push(format!("{id}: no bangfu-reform-hash header"));
    }
    if case.get("explanation").is_some() {
        for lang in ["zh", "en"] {
            let text = server.evaluate_in(
                &rules_id,
                &format!("{query}&explain={lang}"),
                &case["input"],
            );
            let mut explain = args[..args.len() - 1].to_vec();
            explain.extend(["--explain", "--lang", lang, "-"].map(String::from));
            let cli = bangfu(&explain, Some(&input));
            if text.body.as_bytes() != cli.stdout.as_slice()
                || !text.content_type.starts_with("text/plain")
            {
                failures.push(format!(
                    "{id}: explain={lang} differs from bangfu {}\n--- HTTP\n{}\n--- CLI\n{}",
                    explain.join(" "),
                    text.body,
                    String::from_utf8_lossy(&cli.stdout)
                ));
            }
        }
    }
    failures
}

#[test]
fn conformance_suite_through_evaluate_equals_bangfu_eval_byte_for_byte() {
    let all = conformance_cases();
    assert!(all.len() >= 40, "only {} cases", all.len());
    // One server per rule set named in a conformance file.
    let mut rulesets: Vec<&str> = all.iter().map(|(r, _)| r.as_str()).collect();
    rulesets.sort_unstable();
    rulesets.dedup();
    let mut failures: Vec<String> = Vec::new();
    for rules in rulesets {
        let server = Server::start(&repo().join(rules), &[]);
        let cases: Vec<&(String, Json)> = all.iter().filter(|(r, _)| r == rules).collect();
        failures.extend(std::thread::scope(|s| {
            let server = &server;
            let workers: Vec<_> = cases
                .chunks(cases.len().div_ceil(2).max(1))
                .map(|chunk| {
                    s.spawn(move || {
                        chunk
                            .iter()
                            .flat_map(|(ruleset, case)| check_case(server, ruleset, case))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().expect("worker"))
                .collect::<Vec<String>>()
        }));
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

// ---------------------------------------------------------------------------
// Batches
// ---------------------------------------------------------------------------

#[test]
fn ndjson_batch_equals_the_cases_one_by_one() {
    let server = Server::start(&repo().join(RULES), &[]);
    let on = bangfu::Date::parse("2023-09-06").unwrap();
    let mut cases: Vec<String> = (0..120)
        .map(|i| bangfu::synthetic::household_json(7, i, on).to_string())
        .collect();
    // Cases that cannot be evaluated get an error line in their place.
    cases.insert(3, "{\"registered_locally\": true".into());
    cases.insert(10, json!({"registered_locally": true, "financial_assets": "1", "members": [{"birth_date": "2030-01-01", "monthly_income": "1"}]}).to_string());
    cases.insert(20, "   ".into());
    cases.insert(30, json!({"no_such_field": 1}).to_string());
    for query in [
        "on=2023-09-06",
        "on=2023-09-06&program=dibao&program=low_income_edge",
        "on=2023-09-06&program=dibao&reform=%7B%22dibao_standard%22%3A%221100%22%7D",
    ] {
        let body = cases.join("\r\n") + "\n";
        let batch = server.post(
            &format!("/v1/rulesets/{ID}/evaluate/batch?{query}"),
            "application/x-ndjson",
            &body,
        );
        assert_eq!(batch.status, 200, "{batch:?}");
        assert_eq!(batch.content_type, "application/x-ndjson");
        assert_eq!(batch.header("bangfu-ruleset-id").as_deref(), Some(ID));
        let lines: Vec<&str> = batch.body.lines().collect();
        assert_eq!(lines.len(), cases.len(), "one answer line per case");
        let mut errors = 0;
        for (i, (line, case)) in lines.iter().zip(&cases).enumerate() {
            let got: Json = serde_json::from_str(line).expect("each line is JSON");
            let one = server.post(
                &format!("/v1/rulesets/{ID}/evaluate?{query}"),
                "application/json",
                case,
            );
            if one.status == 200 {
                assert_eq!(got, one.json(), "line {}", i + 1);
                assert_eq!(*line, serde_json::to_string(&one.json()).unwrap());
            } else {
                errors += 1;
                assert_eq!(got["line"], i + 1, "{got}");
                assert_eq!(got["error"], one.json(), "line {}", i + 1);
            }
        }
        assert_eq!(errors, 4, "{query}");
    }
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

#[test]
fn every_error_is_a_problem_with_its_status_code_and_place() {
    let server = Server::start(
        &repo().join(RULES),
        &[
            "--max-body",
            "2000",
            "--max-batch-cases",
            "3",
            "--admin-token",
            TOKEN,
        ],
    );
    let ev = format!("/v1/rulesets/{ID}/evaluate");
    let case = json!({"registered_locally": true, "financial_assets": "10000",
        "members": [{"birth_date": "1980-01-01", "monthly_income": "800"}]});
    let good = server.evaluate("on=2023-09-06&program=dibao", &case);
    assert_eq!(good.status, 200, "{good:?}");
    let hash = good.header("bangfu-ruleset-hash").unwrap();

    // 400: the case, the query, the JSON, the reform.
    let mut bad = case.clone();
    bad["members"][0]["birth_date"] = json!("2030-01-01");
    bad["members"][0]["monthly_income"] = json!("-1");
    let p = server
        .evaluate("on=2023-09-06&program=dibao", &bad)
        .problem(400, "date_after_as_of", Some("members[0].birth_date"));
    assert_eq!(p["errors"][1]["loc"], "members[0].monthly_income");
    assert_eq!(p["errors"][1]["code"], "too_small");
    // Each field's form message, in both languages, from the core.
    assert_eq!(
        p["errors"][0]["hint"]["zh"],
        "不能晚于测算日期 2023-09-06。"
    );
    assert_eq!(p["errors"][1]["hint"]["en"], "Must be at least 0.");
    server
        .evaluate("program=dibao", &case)
        .problem(400, "invalid_query", Some("on"));
    server
        .evaluate("on=2023-02-30", &case)
        .problem(400, "invalid_query", Some("on"));
    server
        .evaluate("on=2023-09-06&programs=dibao", &case)
        .problem(400, "invalid_query", Some("programs"));
    server.evaluate("on=2023-09-06&explain=fr", &case).problem(
        400,
        "invalid_query",
        Some("explain"),
    );
    server
        .post(
            &format!("{ev}?on=2023-09-06"),
            "application/json",
            "{\"members\": [",
        )
        .problem(400, "invalid_json", None);
    // A key given twice is refused, as on the command line, never read as
    // its last value.
    server
        .post(
            &format!("{ev}?on=2023-09-06&program=dibao"),
            "application/json",
            "{\"registered_locally\": false, \"registered_locally\": true}",
        )
        .problem(400, "duplicate_key", Some("registered_locally"));
    server
        .evaluate("on=2023-09-06", &json!({"nothing": 1}))
        .problem(400, "ambiguous_case", None);
    let reform = enc(&json!({"dibao_standard": "abc", "no_such_parameter": "1"}).to_string());
    let p = server
        .evaluate(
            &format!("on=2023-09-06&program=dibao&reform={reform}"),
            &case,
        )
        .problem(400, "invalid_reform", None);
    let locs: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["loc"].as_str().unwrap())
        .collect();
    assert!(locs.contains(&"overrides.dibao_standard"), "{p}");
    assert!(locs.contains(&"overrides.no_such_parameter"), "{p}");
    server
        .evaluate("on=2023-09-06&reform=%7Bnot%20json", &case)
        .problem(400, "invalid_query", Some("reform"));

    // 404: rule set, program, entity, route; 405.
    let unread = server.post(
        "/v1/rulesets/nope/evaluate?on=2023-09-06",
        "application/json",
        "{}",
    );
    unread.problem(404, "unknown_ruleset", Some("id"));
    // Answered before its body was read: the connection carries no more.
    assert_eq!(unread.header("connection").as_deref(), Some("close"));
    assert_eq!(good.header("connection"), None);
    server
        .get("/v1/rulesets/nope")
        .problem(404, "unknown_ruleset", None);
    server
        .evaluate("on=2023-09-06&program=nope", &case)
        .problem(404, "unknown_program", Some("program"));
    server.evaluate("on=2023-09-06&entity=nope", &case).problem(
        404,
        "unknown_entity",
        Some("entity"),
    );
    server
        .get(&format!("/v1/rulesets/{ID}/programs/nope/schema"))
        .problem(404, "unknown_program", None);
    server.get("/v2/nothing").problem(404, "not_found", None);
    let a = Answer::from(
        server
            .agent
            .delete(server.url("/v1/rulesets"))
            .call()
            .unwrap(),
    );
    a.problem(405, "method_not_allowed", None);
    assert!(a.header("allow").is_some());

    // 409: a pinned hash that is not the one served.
    let p = server
        .evaluate("on=2023-09-06&expected_hash=sha256:00", &case)
        .problem(409, "hash_mismatch", Some("expected_hash"));
    assert_eq!(p["expected_hash"], "sha256:00");
    assert_eq!(p["actual_hash"], hash.as_str());
    let pinned = server.evaluate(
        &format!("on=2023-09-06&program=dibao&expected_hash={}", enc(&hash)),
        &case,
    );
    assert_eq!(pinned.status, 200);

    // 413: body too large, too many cases.
    let big = json!({"registered_locally": true, "financial_assets": "1", "members": vec![json!({"birth_date": "1980-01-01", "monthly_income": "1"}); 60]});
    server
        .evaluate("on=2023-09-06", &big)
        .problem(413, "too_large", None);
    // The same without a declared length: counted as it arrives.
    let text = big.to_string();
    let mut s = TcpStream::connect(&server.addr).unwrap();
    write!(
        s,
        "POST {ev}?on=2023-09-06 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{text}\r\n0\r\n\r\n",
        text.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"code\":\"too_large\""), "{answer}");
    let four = vec![case.to_string(); 4].join("\n");
    server
        .post(
            &format!("{ev}/batch?on=2023-09-06"),
            "application/x-ndjson",
            &four,
        )
        .problem(413, "too_many_cases", None);

    // 415: no or another content type.
    server
        .post(
            &format!("{ev}?on=2023-09-06"),
            "text/plain",
            &case.to_string(),
        )
        .problem(415, "unsupported_media_type", Some("Content-Type"));
    server
        .post(
            &format!("{ev}/batch?on=2023-09-06"),
            "application/json",
            &case.to_string(),
        )
        .problem(415, "unsupported_media_type", None);
    server
        .post(
            &format!("/v1/rulesets/{ID}/settle?month=2023-09"),
            "application/json",
            "{}",
        )
        .problem(415, "unsupported_media_type", None);

    // 422: no rules in force.
    server
        .evaluate("on=1990-01-01", &case)
        .problem(422, "no_rules_in_force", Some("on"));
    server
        .get(&format!("/v1/rulesets/{ID}/parameters?on=1990-01-01"))
        .problem(422, "no_rules_in_force", None);

    // Settlement: CSV errors and records located as the CLI does.
    let settle = format!("/v1/rulesets/{ID}/settle");
    server
        .post(
            &format!("{settle}?month=2023-9"),
            "text/csv",
            "person,date\nP1,2023-09-01\n",
        )
        .problem(400, "invalid_date", Some("month"));
    server
        .post(
            &format!("{settle}?month=2023-09"),
            "text/csv",
            "a,b\n1,2,3\n",
        )
        .problem(400, "unknown_field", Some("line 1, a"));
    server
        .post(
            &format!("{settle}?month=2023-09&format=xml"),
            "text/csv",
            "a\n",
        )
        .problem(400, "invalid_query", Some("format"));

    // 401 and 404 on the admin route.
    post_with(
        &server.agent,
        &server.url("/v1/admin/reload"),
        "application/json",
        "",
        &[],
    )
    .problem(401, "unauthorized", None);
    post_with(
        &server.agent,
        &server.url("/v1/admin/reload"),
        "application/json",
        "",
        &[("authorization", "Bearer test-admin-token-0123456780")],
    )
    .problem(401, "unauthorized", None);
    let off = Server::start(&repo().join(RULES), &[]);
    off.post("/v1/admin/reload", "application/json", "")
        .problem(404, "not_found", None);

    // Nothing above was a 5xx, and the server still answers.
    let after = server.evaluate("on=2023-09-06&program=dibao", &case);
    assert_eq!(after.body, good.body);
    for line in server.logs() {
        assert!(!line.contains("\"status\":5"), "{line}");
    }
}

/// Opens a connection and sends the head of a POST and half its body: a
/// request that stays in flight until the rest is sent.
fn start_slow_upload(addr: &str, path: &str, body: &str) -> (TcpStream, String) {
    let content_type = if path.contains("/batch") {
        "application/x-ndjson"
    } else {
        "application/json"
    };
    let mut s = TcpStream::connect(addr).expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let half = body.len() / 2;
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&body.as_bytes()[..half]).unwrap();
    s.flush().unwrap();
    (s, body[half..].to_string())
}

fn finish_upload(mut s: TcpStream, rest: &str) -> String {
    s.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn too_many_requests_at_once_and_too_slow_answers_are_503() {
    let server = Server::start(
        &repo().join(RULES),
        &["--max-concurrent", "1", "--timeout", "1"],
    );
    let path = format!("/v1/rulesets/{ID}/evaluate?on=2023-09-06&program=dibao");
    let case = json!({"registered_locally": true, "financial_assets": "10000",
        "members": [{"birth_date": "1980-01-01", "monthly_income": "800"}]})
    .to_string();
    let (slow, rest) = start_slow_upload(&server.addr, &path, &case);
    std::thread::sleep(Duration::from_millis(300));
    let busy = server.post(&path, "application/json", &case);
    busy.problem(503, "overloaded", None);
    assert_eq!(busy.header("retry-after").as_deref(), Some("1"));
    // Health and metrics are not held to the limit.
    assert_eq!(server.get("/healthz").status, 200);
    std::thread::sleep(Duration::from_millis(1200));
    let answer = finish_upload(slow, &rest);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"code\":\"timeout\""), "{answer}");
    assert_eq!(server.post(&path, "application/json", &case).status, 200);

    // Batches have their own, smaller limit; single cases still pass.
    let server = Server::start(&repo().join(RULES), &["--max-concurrent-batches", "1"]);
    let batch = format!("/v1/rulesets/{ID}/evaluate/batch?on=2023-09-06&program=dibao");
    let lines = format!("{case}\n{case}\n");
    let (slow, rest) = start_slow_upload(&server.addr, &batch, &lines);
    std::thread::sleep(Duration::from_millis(300));
    server
        .post(&batch, "application/x-ndjson", &lines)
        .problem(503, "overloaded", None);
    assert_eq!(server.post(&path, "application/json", &case).status, 200);
    let answer = finish_upload(slow, &rest);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(
        server.post(&batch, "application/x-ndjson", &lines).status,
        200
    );
}

// ---------------------------------------------------------------------------
// Reloads
// ---------------------------------------------------------------------------

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A fresh folder of two rule sets: the district's, and a copy with
/// another id.
fn rule_sets_folder(name: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("bangfu-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    copy_dir(&repo().join(RULES), &root.join(ID));
    copy_dir(&repo().join(RULES), &root.join("copy"));
    let file = root.join("copy/ruleset.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replacen(&format!("id = \"{ID}\""), "id = \"copy\"", 1),
    )
    .unwrap();
    root
}

fn set_version(root: &Path, version: &str) {
    let file = root.join(ID).join("ruleset.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let line = lines
        .iter_mut()
        .find(|l| l.starts_with("version = "))
        .unwrap();
    *line = format!("version = \"{version}\"");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
}

/// Clients asking without pause until `stop`; every answer must be 200
/// from one of the hashes served. Returns how many were answered.
fn hammer(server: &Server, stop: &AtomicUsize) -> (usize, Vec<String>) {
    let case = json!({"registered_locally": true, "financial_assets": "10000",
        "members": [{"birth_date": "1980-01-01", "monthly_income": "800"}]});
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let case = case.clone();
                s.spawn(move || {
                    let mut n = 0;
                    let mut hashes = Vec::new();
                    while stop.load(Ordering::SeqCst) == 0 {
                        let a = server.evaluate("on=2023-09-06&program=dibao", &case);
                        assert_eq!(a.status, 200, "a request failed during a reload: {a:?}");
                        let h = a.header("bangfu-ruleset-hash").unwrap();
                        assert_eq!(a.json()["ruleset"]["hash"], h.as_str());
                        if !hashes.contains(&h) {
                            hashes.push(h);
                        }
                        n += 1;
                    }
                    (n, hashes)
                })
            })
            .collect();
        let mut total = 0;
        let mut all = Vec::new();
        for w in workers {
            let (n, hashes) = w.join().expect("client");
            total += n;
            for h in hashes {
                if !all.contains(&h) {
                    all.push(h);
                }
            }
        }
        (total, all)
    })
}

#[test]
fn reloads_swap_good_rule_sets_and_refuse_bad_ones_while_clients_keep_asking() {
    let root = rule_sets_folder("reload");
    let server = Server::start(&root, &["--admin-token", TOKEN]);
    let listed = server.get("/v1/rulesets").json();
    let ids: Vec<&str> = listed["rulesets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["cn-qingdao-chengyang", "copy"]);
    let before = server.get(&format!("/v1/rulesets/{ID}")).json()["hash"]
        .as_str()
        .unwrap()
        .to_string();
    let reload = |server: &Server| {
        post_with(
            &server.agent,
            &server.url("/v1/admin/reload"),
            "application/json",
            "",
            &[("authorization", &format!("Bearer {TOKEN}"))],
        )
    };
    let stop = AtomicUsize::new(0);
    let (answered, hashes, after) = std::thread::scope(|s| {
        let clients = s.spawn(|| hammer(&server, &stop));
        std::thread::sleep(Duration::from_millis(200));

        // A rule set that does not check is refused; the old one serves on.
        let params = root.join(ID).join("parameters");
        let broken = params.join("zz-broken.toml");
        std::fs::write(&broken, "[parameters.dibao_standard\n").unwrap();
        let refused = reload(&server).problem(422, "rule_set_invalid", None);
        assert!(
            !refused["refused"][0]["diagnostics"]
                .as_array()
                .unwrap()
                .is_empty(),
            "{refused}"
        );
        assert_eq!(
            server.get(&format!("/v1/rulesets/{ID}")).json()["hash"],
            before.as_str()
        );
        server.signal("HUP");
        server.wait_for_log(&[
            "\"event\":\"reload\"",
            "\"trigger\":\"SIGHUP\"",
            "\"result\":\"refused\"",
        ]);
        std::fs::remove_file(&broken).unwrap();

        // A good one is swapped in: by the admin route, then by SIGHUP.
        set_version(&root, "2024.1-reloaded");
        let ok = reload(&server);
        assert_eq!(ok.status, 200, "{ok:?}");
        let j = ok.json();
        let entry = j["rulesets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == ID)
            .unwrap()
            .clone();
        assert_eq!(entry["previous_hash"], before.as_str());
        assert_eq!(entry["version"], "2024.1-reloaded");
        std::thread::sleep(Duration::from_millis(200));
        set_version(&root, "2024.1-again");
        server.signal("HUP");
        server.wait_for_log(&[
            "\"trigger\":\"SIGHUP\"",
            "\"result\":\"ok\"",
            "2024.1-again",
        ]);
        std::thread::sleep(Duration::from_millis(200));
        stop.store(1, Ordering::SeqCst);
        let (n, hashes) = clients.join().expect("clients");
        let after = server.get(&format!("/v1/rulesets/{ID}")).json();
        (n, hashes, after)
    });
    assert!(answered > 20, "only {answered} requests during the reloads");
    assert_eq!(after["version"], "2024.1-again");
    assert!(hashes.contains(&before), "{hashes:?}");
    assert!(
        hashes.len() >= 2,
        "the clients never saw the new rules: {hashes:?}"
    );
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains("bangfu_reloads_total{result=\"ok\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("bangfu_reloads_total{result=\"refused\"} 2"),
        "{metrics}"
    );
    let _ = std::fs::remove_dir_all(&root);
}

// ---------------------------------------------------------------------------
// Shutdown, operations
// ---------------------------------------------------------------------------

#[test]
fn sigterm_finishes_the_request_in_flight_then_exits_0() {
    let mut server = Server::start(&repo().join(RULES), &[]);
    let path = format!("/v1/rulesets/{ID}/evaluate?on=2023-09-06&program=dibao");
    let case = json!({"registered_locally": true, "financial_assets": "10000",
        "members": [{"birth_date": "1980-01-01", "monthly_income": "800"}]})
    .to_string();
    let (slow, rest) = start_slow_upload(&server.addr, &path, &case);
    std::thread::sleep(Duration::from_millis(200));
    server.signal("TERM");
    server.wait_for_log(&["\"event\":\"shutting_down\""]);
    // No new connections are taken.
    std::thread::sleep(Duration::from_millis(200));
    let refused = TcpStream::connect(&server.addr)
        .and_then(|mut s| {
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")?;
            s.set_read_timeout(Some(Duration::from_secs(2)))?;
            let mut buf = String::new();
            s.read_to_string(&mut buf)?;
            Ok(buf)
        })
        .map_or(true, |b| !b.contains("200 OK"));
    assert!(refused, "a new request was answered after SIGTERM");
    // The one in flight is answered in full.
    let answer = finish_upload(slow, &rest);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"amount\": \"245.00\""), "{answer}");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = server.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the server did not exit"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    server.wait_for_log(&["\"event\":\"stopped\""]);
}

#[test]
fn operations_health_metrics_logs_cors_and_the_openapi_document() {
    let server = Server::start(
        &repo().join(RULES),
        &["--cors-origin", "https://district.example"],
    );
    assert_eq!(server.get("/healthz").json()["status"], "ok");
    let ready = server.get("/readyz").json();
    assert_eq!(ready["rulesets"][0]["id"], ID);

    // A case with a distinctive income and birth date, valid and not.
    let case = json!({"registered_locally": true, "financial_assets": "31415.92",
        "members": [{"birth_date": "1961-07-13", "monthly_income": "654.32"}]});
    assert_eq!(server.evaluate("on=2023-09-06", &case).status, 200);
    let mut bad = case.clone();
    bad["members"][0]["monthly_income"] = json!("-654.32");
    assert_eq!(server.evaluate("on=2023-09-06", &bad).status, 400);
    let a = Answer::from(
        server
            .agent
            .get(server.url("/v1/rulesets"))
            .header("x-request-id", "district-42")
            .call()
            .unwrap(),
    );
    assert_eq!(a.header("x-request-id").as_deref(), Some("district-42"));

    let metrics = server.get("/metrics");
    assert!(metrics
        .content_type
        .starts_with("text/plain; version=0.0.4"));
    for needle in [
        "bangfu_http_requests_total{route=\"/v1/rulesets/{id}/evaluate\",method=\"POST\",status=\"200\"} 1",
        "bangfu_http_requests_total{route=\"/v1/rulesets/{id}/evaluate\",method=\"POST\",status=\"400\"} 1",
        "bangfu_http_request_duration_seconds_bucket{route=\"/v1/rulesets/{id}/evaluate\",le=\"+Inf\"} 2",
        "bangfu_http_errors_total{code=\"too_small\"} 1",
        "bangfu_cases_evaluated_total{ruleset=\"cn-qingdao-chengyang\"} 1",
        "bangfu_ruleset_info{id=\"cn-qingdao-chengyang\",version=\"2024.1\"",
    ] {
        assert!(metrics.body.contains(needle), "{needle}\n{}", metrics.body);
    }

    let line = server.wait_for_log(&["\"route\":\"/v1/rulesets\"", "district-42"]);
    let j: Json = serde_json::from_str(&line).unwrap();
    assert_eq!(j["level"], "info");
    assert_eq!(j["status"], 200);
    let evaluated =
        server.wait_for_log(&["\"route\":\"/v1/rulesets/{id}/evaluate\"", "\"status\":200"]);
    assert!(evaluated.contains("\"hash\":\"sha256:"), "{evaluated}");
    assert!(evaluated.contains("\"cases\":1"), "{evaluated}");
    let logs = server.logs().join("\n");
    for personal in ["31415.92", "1961-07-13", "654.32"] {
        assert!(
            !logs.contains(personal),
            "`{personal}` is in the log:\n{logs}"
        );
    }

    // CORS: only the origin allowed.
    let pre = |origin: &str| {
        Answer::from(
            server
                .agent
                .run(
                    ureq::http::Request::options(
                        server.url(&format!("/v1/rulesets/{ID}/evaluate")),
                    )
                    .header("origin", origin)
                    .header("access-control-request-method", "POST")
                    .header("access-control-request-headers", "content-type")
                    .body(())
                    .unwrap(),
                )
                .unwrap(),
        )
    };
    let allowed = pre("https://district.example");
    assert_eq!(
        allowed.header("access-control-allow-origin").as_deref(),
        Some("https://district.example")
    );
    assert!(pre("https://elsewhere.example")
        .header("access-control-allow-origin")
        .is_none());
    let plain = Server::start(&repo().join(RULES), &[]);
    let a = Answer::from(
        plain
            .agent
            .get(plain.url("/v1/rulesets"))
            .header("origin", "https://district.example")
            .call()
            .unwrap(),
    );
    assert!(
        a.header("access-control-allow-origin").is_none(),
        "CORS is off by default"
    );

    // The document names every route and is OpenAPI 3.1.
    let doc = server.get("/openapi.json").json();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        "/v1/rulesets",
        "/v1/rulesets/{id}",
        "/v1/rulesets/{id}/programs/{program}/schema",
        "/v1/rulesets/{id}/parameters",
        "/v1/rulesets/{id}/diff",
        "/v1/rulesets/{id}/evaluate",
        "/v1/rulesets/{id}/evaluate/batch",
        "/v1/rulesets/{id}/settle",
        "/v1/admin/reload",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is not documented");
    }
}

#[test]
fn descriptions_parameters_diff_schema_and_settle_answer_as_the_commands_do() {
    let server = Server::start(&repo().join(RULES), &[]);
    let cli = |args: &[&str]| {
        let args: Vec<String> = args.iter().map(|s| (*s).to_string()).collect();
        let o = bangfu(&args, None);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        String::from_utf8(o.stdout).unwrap()
    };
    let base = format!("/v1/rulesets/{ID}");
    for (path, args) in [
        (
            format!("{base}/parameters?on=2023-09-06"),
            vec!["params", RULES, "--on", "2023-09-06", "--format", "json"],
        ),
        (
            format!("{base}/diff?from=2022-12-31&to=2023-01-01"),
            vec![
                "diff",
                RULES,
                "--from",
                "2022-12-31",
                "--to",
                "2023-01-01",
                "--format",
                "json",
            ],
        ),
        (
            format!("{base}/programs/dibao/schema"),
            vec!["schema", RULES, "--program", "dibao"],
        ),
    ] {
        let a = server.get(&path);
        assert_eq!(a.status, 200, "{a:?}");
        assert_eq!(a.body, cli(&args), "{path}");
    }
    let records =
        std::fs::read_to_string(repo().join(RULES).join("cases/meals-2023-09.csv")).unwrap();
    let csv_path = format!("{RULES}/cases/meals-2023-09.csv");
    for (query, format) in [
        ("month=2023-09", "json"),
        ("month=2023-09&format=csv", "csv"),
    ] {
        let a = server.post(&format!("{base}/settle?{query}"), "text/csv", &records);
        assert_eq!(a.status, 200, "{a:?}");
        assert_eq!(
            a.body,
            cli(&["settle", RULES, "--month", "2023-09", "--format", format, &csv_path])
        );
        assert_eq!(a.header("bangfu-ruleset-id").as_deref(), Some(ID));
    }
    let described = server.get(&base).json();
    assert_eq!(described["id"], ID);
    let programs: Vec<&str> = described["programs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        programs.contains(&"dibao") && programs.contains(&"meal_subsidy"),
        "{programs:?}"
    );
    assert_eq!(described["label"]["zh"], "青岛市城阳区社会救助与养老助餐");
}

// ---------------------------------------------------------------------------
// Arrow
// ---------------------------------------------------------------------------

mod arrow_batches {
    use super::*;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Decimal128Type, Int64Type};
    use arrow_array::{ArrayRef, BooleanArray, RecordBatch};
    use arrow_ipc::reader::StreamReader;
    use arrow_ipc::writer::StreamWriter;
    use bangfu::Decimal;
    use std::io::Cursor;

    fn streams(tables: &[&RecordBatch]) -> Vec<u8> {
        let mut out = Vec::new();
        for t in tables {
            let mut w = StreamWriter::try_new(&mut out, &t.schema()).unwrap();
            w.write(t).unwrap();
            w.finish().unwrap();
        }
        out
    }

    fn post_arrow(
        server: &Server,
        query: &str,
        body: Vec<u8>,
    ) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let mut r = server
            .agent
            .post(server.url(&format!("/v1/rulesets/{ID}/evaluate/batch?{query}")))
            .header("content-type", "application/vnd.apache.arrow.stream")
            .send(&body[..])
            .unwrap();
        let headers = r
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string()))
            .collect();
        let status = r.status().as_u16();
        let bytes = r
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .unwrap();
        (status, headers, bytes)
    }

    /// The results table and the row problems table of an answer.
    fn tables(bytes: &[u8]) -> (Vec<RecordBatch>, Vec<RecordBatch>) {
        let mut cursor = Cursor::new(bytes);
        let results = StreamReader::try_new(&mut cursor, None)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let problems = StreamReader::try_new(&mut cursor, None)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            cursor.position() as usize,
            bytes.len(),
            "two streams and nothing else"
        );
        (results, problems)
    }

    #[test]
    fn arrow_batch_equals_the_cases_one_by_one() {
        let server = Server::start(&repo().join(RULES), &[]);
        let on = bangfu::Date::parse("2023-09-06").unwrap();
        let n = 300;
        let district = bangfu::arrow::synthetic::district(n, 11, on).unwrap();
        let json = bangfu::synthetic::District::generate(n, 11, on);
        let ndjson: String = (0..n)
            .map(|h| json.household_json(h).unwrap().to_string() + "\n")
            .collect();
        for query in [
            "on=2023-09-06",
            "on=2023-09-06&program=dibao&reform=%7B%22dibao_standard%22%3A%221100%22%7D",
        ] {
            let (status, headers, bytes) = post_arrow(
                &server,
                query,
                streams(&[&district.households, &district.members]),
            );
            assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
            assert_eq!(
                header(&headers, "content-type").as_deref(),
                Some("application/vnd.apache.arrow.stream")
            );
            assert_eq!(header(&headers, "bangfu-row-errors").as_deref(), Some("0"));
            assert_eq!(header(&headers, "bangfu-ruleset-id").as_deref(), Some(ID));
            let (results, problems) = tables(&bytes);
            assert_eq!(problems.iter().map(RecordBatch::num_rows).sum::<usize>(), 0);
            let one_by_one = server.post(
                &format!("/v1/rulesets/{ID}/evaluate/batch?{query}"),
                "application/x-ndjson",
                &ndjson,
            );
            let outcomes: Vec<Json> = one_by_one
                .body
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            assert_eq!(outcomes.len(), n);
            let mut row = 0;
            let mut compared = 0;
            for batch in &results {
                let keys = batch.column(0).as_primitive::<Int64Type>();
                for i in 0..batch.num_rows() {
                    let outcome = &outcomes[row];
                    assert_eq!(keys.value(i), row as i64 + 1);
                    for (p, got) in outcome["programs"].as_object().unwrap() {
                        let eligible: &BooleanArray = batch
                            .column_by_name(&format!("{p}.eligible"))
                            .unwrap_or_else(|| panic!("no {p}.eligible"))
                            .as_boolean();
                        assert_eq!(
                            eligible.value(i),
                            got["eligible"].as_bool().unwrap(),
                            "{p} of household {}",
                            row + 1
                        );
                        if let Some(amounts) = batch.column_by_name(&format!("{p}.amount")) {
                            let scale = match amounts.data_type() {
                                arrow_schema::DataType::Decimal128(_, s) => *s,
                                other => panic!("{other}"),
                            };
                            let a: &ArrayRef = amounts;
                            let v = a.as_primitive::<Decimal128Type>().value(i);
                            let arrow = Decimal::from_i128_with_scale(v, scale as u32);
                            let json: Decimal = got["amount"].as_str().unwrap().parse().unwrap();
                            assert_eq!(arrow, json, "{p} of household {}", row + 1);
                            compared += 1;
                        }
                    }
                    row += 1;
                }
            }
            assert_eq!(row, n);
            assert!(compared >= n, "{compared}");
        }
    }

    #[test]
    fn arrow_problems_are_located_and_bad_bodies_refused() {
        let server = Server::start(&repo().join(RULES), &["--max-batch-cases", "50"]);
        let on = bangfu::Date::parse("2023-09-06").unwrap();
        let d = bangfu::arrow::synthetic::district(20, 3, on).unwrap();
        // A row with a problem is listed, and its case is not evaluated.
        let idx = d.members.schema().index_of("birth_date").unwrap();
        let mut columns = d.members.columns().to_vec();
        let births = columns[idx].as_primitive::<arrow_array::types::Date32Type>();
        let mut changed: Vec<Option<i32>> = births.iter().collect();
        changed[0] = Some(30_000); // 2052
        columns[idx] = Arc::new(arrow_array::Date32Array::from(changed));
        let members = RecordBatch::try_new(d.members.schema(), columns).unwrap();
        let (status, headers, bytes) = post_arrow(
            &server,
            "on=2023-09-06",
            streams(&[&d.households, &members]),
        );
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "bangfu-row-errors").as_deref(), Some("1"));
        let (results, problems) = tables(&bytes);
        let errors = results[0]
            .column_by_name("error")
            .unwrap()
            .as_string::<i32>();
        assert_eq!(errors.value(0), "invalid_input");
        let p = &problems[0];
        assert_eq!(
            p.column_by_name("code")
                .unwrap()
                .as_string::<i32>()
                .value(0),
            "date_after_as_of"
        );
        assert_eq!(
            p.column_by_name("household")
                .unwrap()
                .as_string::<i32>()
                .value(0),
            "1"
        );

        let problem = |status: u16, body: Vec<u8>, query: &str| {
            let (s, headers, bytes) = post_arrow(&server, query, body);
            assert_eq!(
                s,
                status,
                "{query}: {}",
                String::from_utf8_lossy(&bytes)
                    .chars()
                    .filter(char::is_ascii_graphic)
                    .take(300)
                    .collect::<String>()
            );
            assert_eq!(
                header(&headers, "content-type").as_deref(),
                Some("application/problem+json")
            );
            serde_json::from_slice::<Json>(&bytes).unwrap()
        };
        let p = problem(400, b"not arrow at all".to_vec(), "on=2023-09-06");
        assert_eq!(p["code"], "invalid_arrow");
        let p = problem(400, streams(&[&d.households]), "on=2023-09-06");
        assert_eq!(p["code"], "invalid_arrow");
        assert!(
            p["detail"].as_str().unwrap().contains("members table"),
            "{p}"
        );
        let mut cut = streams(&[&d.households, &d.members]);
        cut.truncate(cut.len() - 20);
        assert_eq!(problem(400, cut, "on=2023-09-06")["code"], "invalid_arrow");
        // A column of the wrong type is an input error at table.column.
        let wrong = RecordBatch::try_from_iter([
            ("household_id", d.members.column(0).clone()),
            (
                "monthly_income",
                Arc::new(BooleanArray::from(vec![true; d.members.num_rows()])) as ArrayRef,
            ),
        ])
        .unwrap();
        let p = problem(400, streams(&[&d.households, &wrong]), "on=2023-09-06");
        assert_eq!(p["code"], "wrong_type");
        assert_eq!(p["loc"], "members.monthly_income");
        // Limits and the date.
        let big = bangfu::arrow::synthetic::district(51, 3, on).unwrap();
        assert_eq!(
            problem(
                413,
                streams(&[&big.households, &big.members]),
                "on=2023-09-06"
            )["code"],
            "too_many_cases"
        );
        assert_eq!(
            problem(422, streams(&[&d.households, &d.members]), "on=1990-01-01")["code"],
            "no_rules_in_force"
        );
        assert_eq!(
            problem(
                400,
                streams(&[&d.households, &d.members]),
                "on=2023-09-06&key=nope"
            )["loc"],
            "key"
        );
    }
}

/// Money in a case: a bare JSON number is read from its digits as written,
/// as the command line and the bindings read it; an exponent is refused.
#[test]
fn money_as_a_bare_json_number_is_read_as_the_command_line_reads_it() {
    let server = Server::start(&repo().join(RULES), &[]);
    let case = |assets: &str| {
        format!(
            r#"{{"registered_locally": true, "financial_assets": {assets},
                "members": [{{"birth_date": "1980-01-01", "monthly_income": {assets}}}]}}"#
        )
    };
    let path = format!("/v1/rulesets/{ID}/evaluate?on=2023-09-06&program=dibao");
    let as_text = server.post(&path, "application/json", &case("\"300.10\""));
    let as_number = server.post(&path, "application/json", &case("300.10"));
    assert_eq!(as_number.status, 200, "{as_number:?}");
    assert_eq!(as_text.body, as_number.body);
    let bad = server.post(&path, "application/json", &case("1e3"));
    assert_eq!(bad.status, 400, "{bad:?}");
    assert_eq!(bad.json()["code"], "invalid_money");
    assert_eq!(bad.json()["loc"], "financial_assets");
}
