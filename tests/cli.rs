//! End-to-end tests of the `wakelink` binary: mint, verify, keygen, and upload against a small
//! scripted HTTP server on 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::thread::JoinHandle;
use std::time::Duration;

use wakelink::domain::code::ShortCode;
use wakelink::domain::reserve::{Range, Receipt};
use wakelink::domain::token::{Generation, Keyring, Kind, LinkRef};

/// Test keys only: kid 3 mints, kid 0 still verifies.
const KEYS: &str = "3:QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI,\
                    0:2424242424242424242424242424242424242424242424242424242424242424";
const SECRET_FRAGMENT: &str = "QkJCQkJC";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wakelink"));
    c.env_remove("WAKELINK_SIGNING_KEYS")
        .env_remove("WAKELINK_API_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn run(mut cmd: Command, stdin: &str) -> Output {
    let mut child = cmd.spawn().expect("spawn wakelink");
    let written = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    // A command that refuses its arguments exits before reading: a closed pipe is expected then.
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
    }
    child.wait_with_output().expect("wait")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The generation of the test link `spring`.
const GEN: u64 = 0xa1;

fn keys() -> Keyring {
    Keyring::parse(KEYS).expect("keys")
}

fn spring() -> ShortCode {
    ShortCode::parse("spring").expect("code")
}

/// A receipt for `first..=last` of `spring`, as the server would sign it.
fn receipt(first: u64, last: u64) -> String {
    Receipt::sign(
        &keys(),
        &spring(),
        Some(Generation::new(GEN)),
        Range { first, last },
    )
    .expect("receipt")
    .to_string()
}

/// `wakelink mint` for `spring`, into a reservation of seq 100..=199 unless `args` name
/// another reservation or an API.
fn mint(args: &[&str], stdin: &str) -> Output {
    let mut c = bin();
    c.env("WAKELINK_SIGNING_KEYS", KEYS).args([
        "mint",
        "--code",
        "spring",
        "--base-url",
        "https://example.link/",
    ]);
    if !args.iter().any(|a| *a == "--reservation" || *a == "--api") {
        c.args(["--reservation", &receipt(100, 199)]);
    }
    c.args(args);
    run(c, stdin)
}

fn link() -> (ShortCode, Option<Generation>) {
    (spring(), Some(Generation::new(GEN)))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wakelink-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn mint_csv_streams_signed_links() {
    let out = mint(
        &[],
        "external_id,segment,variant,sent_at,first_name,coupon,channel,cost\n\
         cust-000001,dormant-6m,A,2025-12-18T03:33:20+08:00,Ann,SPRING-30,sms,10\n\
         cust-000002,,B,2025-12-17T19:33:20Z,Bo,,email,\n\
         \"cust-000003\",dormant-12m,,,,,,\n",
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("ignoring column(s) first_name"), "{stderr}");
    assert!(!stderr.contains(SECRET_FRAGMENT));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "seq,external_id,segment,variant,sent_at,coupon,channel,cost,token,url"
    );
    assert_eq!(lines.len(), 4);
    assert!(!stdout.contains("Ann"), "extra columns are dropped");

    let keys = keys();
    let (code, generation) = link();
    let at = LinkRef {
        code: &code,
        generation,
    };
    let expect = [
        (
            "100",
            "cust-000001",
            "dormant-6m",
            "A",
            "2025-12-17T19:33:20.000Z",
            "SPRING-30",
            "sms",
            "10",
        ),
        (
            "101",
            "cust-000002",
            "",
            "B",
            "2025-12-17T19:33:20.000Z",
            "",
            "email",
            "",
        ),
        ("102", "cust-000003", "dormant-12m", "", "", "", "", ""),
    ];
    for (line, want) in lines[1..].iter().zip(expect) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!((f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]), want);
        assert_eq!(f[9], format!("https://example.link/spring/{}", f[8]));
        let r = keys.verify(at, f[8], 0).expect("token verifies");
        assert_eq!(r.seq.to_string(), f[0]);
        assert_eq!(r.key_id.get(), 3);
        assert_eq!((r.expires_at, r.kind), (None, Kind::Link));
    }
}

#[test]
fn mint_ndjson_and_expiry() {
    let out = mint(
        &["--format", "ndjson", "--expires", "2155-12-31T23:59:59+08:00", "--honeypot"],
        "{\"external_id\":\"u-1\",\"segment\":\"s\",\"sent_at\":\"2025-12-17T19:33:20Z\",\"coupon\":\"新人券\",\"channel\":\"push\",\"cost\":2,\"extra\":[1,{}]}\n\
         \n\
         {\"external_id\":\"u\\u00e9-2\",\"variant\":\"B\",\"sent_at\":null}\n",
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "seq,external_id,segment,variant,sent_at,coupon,channel,cost,token,url,honeypot_url"
    );
    let rows = &lines[1..];
    assert_eq!(rows.len(), 2);
    assert!(rows[0].starts_with("100,u-1,s,,2025-12-17T19:33:20.000Z,新人券,push,2,"));
    assert!(rows[1].starts_with("101,ué-2,,B,,,,,"));
    let f: Vec<&str> = rows[1].split(',').collect();
    let pot = f[10].rsplit('/').next().expect("honeypot token");
    assert_ne!(pot, f[8]);
    let verify = |token: &str, extra: &[&str]| {
        let mut c = bin();
        c.env("WAKELINK_SIGNING_KEYS", KEYS)
            .args([
                "verify",
                "--code",
                "spring",
                "--generation",
                "00000000000000a1",
            ])
            .args(extra)
            .arg(token);
        let v = run(c, "");
        (v.status.success(), text(&v.stdout).trim().to_owned())
    };
    // To the second, in the given offset: 15:59:59 UTC.
    assert_eq!(
        verify(f[8], &[]),
        (
            true,
            "seq=101 kid=3 kind=link expires=2155-12-31T15:59:59.000Z".into()
        )
    );
    assert_eq!(
        verify(pot, &[]),
        (
            true,
            "seq=101 kid=3 kind=honeypot expires=2155-12-31T15:59:59.000Z".into()
        )
    );
    assert_eq!(
        verify(f[8], &["--at", "2155-12-31T23:59:59+08:00"]),
        (
            false,
            "seq=101 kid=3 kind=link expires=2155-12-31T15:59:59.000Z expired".into()
        )
    );
    // The link re-created (another generation) takes none of them.
    let mut c = bin();
    c.env("WAKELINK_SIGNING_KEYS", KEYS).args([
        "verify",
        "--code",
        "spring",
        "--generation",
        "00000000000000a2",
        f[8],
    ]);
    assert_eq!(text(&run(c, "").stdout).trim(), "invalid");
}

static LONG_LIST: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let mut s = String::from("external_id\n");
    for i in 0..101 {
        s.push_str(&format!("c-{i}\n"));
    }
    s
});

#[test]
fn numeric_ids_are_fine() {
    let out = mint(&[], "external_id\n12345678\n100200300400\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn minting_needs_a_reservation_and_checks_it() {
    let mut c = bin();
    c.env("WAKELINK_SIGNING_KEYS", KEYS).args([
        "mint",
        "--code",
        "spring",
        "--base-url",
        "https://example.link",
    ]);
    let out = run(c, "external_id\nc1\n");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--api"), "{}", text(&out.stderr));
    let good = receipt(1, 10);
    let other_code = Receipt::sign(
        &keys(),
        &ShortCode::parse("autumn").expect("code"),
        Some(Generation::new(GEN)),
        Range { first: 1, last: 10 },
    )
    .expect("receipt")
    .to_string();
    for (bad, why) in [
        (good.replace("1-10", "1-1000"), "not issued for this link"),
        (other_code, "not issued for this link"),
        (String::from("1-10"), "not a reservation receipt"),
        (String::from("r1.1-10"), "not a reservation receipt"),
    ] {
        let out = mint(&["--reservation", &bad], "external_id\nc1\n");
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{bad}");
        assert!(stderr.contains(why), "{bad}: {stderr}");
        assert!(out.stdout.is_empty());
    }
    let out = mint(&["--reservation", &good], "external_id\nc1\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("wakelink upload"),
        "a reminder to record the ledger"
    );
}

#[test]
fn contact_data_is_refused_and_nothing_is_written() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "phone column",
            "external_id,Phone Number\nc1,1\n",
            "contact data",
        ),
        ("email column", "E-mail,external_id\nx,c1\n", "contact data"),
        (
            "msisdn column",
            "external_id,msisdn\nc1,1\n",
            "contact data",
        ),
        (
            "phone value",
            "external_id\nc1\n+33 6 12 34 56 78\n",
            "input line 3 (row 2): external_id looks like a phone number",
        ),
        (
            "mobile number",
            "external_id\n13800138000\n",
            "input line 2 (row 1): external_id looks like a phone number",
        ),
        (
            "full-width",
            "external_id\nc1\n１３８ ００１３ ８０００\n",
            "input line 3 (row 2): external_id looks like a phone number",
        ),
        (
            "tel uri",
            "external_id\ntel:+8613800138000\n",
            "external_id is a contact link",
        ),
        (
            "email value",
            "external_id\nc1\nc2\nbob@example.com\n",
            "input line 4 (row 3): external_id looks like an e-mail",
        ),
        ("no external_id", "id\nc1\n", "no external_id column"),
        (
            "empty id",
            "external_id,segment\n,s\n",
            "external_id must not be empty",
        ),
        (
            "repeated id",
            "external_id\nc1\nc2\nc1\n",
            "input line 4 (row 3): external_id \"c1\" appears twice",
        ),
        (
            "bad sent_at",
            "external_id,sent_at\nc1,yesterday\n",
            "sent_at",
        ),
        (
            "ms sent_at",
            "external_id,sent_at\nc1,1766000000000\n",
            "seconds or milliseconds",
        ),
        (
            "date-only sent_at",
            "external_id,sent_at\nc1,2025-12-17\n",
            "a date alone is ambiguous",
        ),
        (
            "longer than the reservation",
            LONG_LIST.as_str(),
            "the send list has 101 rows but the reservation holds 100 numbers",
        ),
    ];
    for (name, input, want) in cases {
        let out = mint(&[], input);
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{name}");
        assert!(stderr.contains(want), "{name}: {stderr}");
        assert!(out.stdout.is_empty(), "{name}: wrote {}", text(&out.stdout));
    }
    let out = mint(
        &["--format", "ndjson"],
        "{\"external_id\":\"u-1\",\"mobile\":\"+33612345678\"}\n",
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("key \"mobile\" is contact data"));
}

#[test]
fn output_file_appears_only_on_success() {
    let dir = scratch("output");
    let dest = dir.join("minted.csv");
    let dest_s = dest.to_str().expect("utf-8 path");
    let bad = mint(&["--output", dest_s], "external_id\nc1\na@b.c\n");
    assert!(!bad.status.success());
    assert!(!dest.exists());
    assert!(!dir.join("minted.csv.partial").exists());
    let good = mint(&["--output", dest_s], "external_id\nc1\nc2\n");
    assert!(good.status.success(), "{}", text(&good.stderr));
    assert!(good.stdout.is_empty());
    let written = std::fs::read_to_string(&dest).expect("output");
    assert_eq!(written.lines().count(), 3);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn keys_come_from_the_environment_and_never_print() {
    let mut c = bin();
    c.args([
        "mint",
        "--code",
        "spring",
        "--base-url",
        "https://example.link",
        "--reservation",
        "r1.1-1.none.0.0000000000000000",
    ]);
    let out = run(c, "external_id\nc1\n");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("WAKELINK_SIGNING_KEYS is not set"));

    let short = "1:QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJC"; // 30 bytes
    let mut c = bin();
    c.env("WAKELINK_SIGNING_KEYS", short).args([
        "mint",
        "--code",
        "spring",
        "--base-url",
        "https://example.link",
        "--reservation",
        "r1.1-1.none.0.0000000000000000",
    ]);
    let out = run(c, "external_id\nc1\n");
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("key 1: secret is under 32 bytes"),
        "{stderr}"
    );
    assert!(!stderr.contains(SECRET_FRAGMENT), "{stderr}");

    let mut c = bin();
    c.env("OTHER_KEYS", KEYS).args([
        "mint",
        "--code",
        "spring",
        "--base-url",
        "https://example.link",
        "--keys-env",
        "OTHER_KEYS",
        "--reservation",
        &receipt(1, 1),
    ]);
    assert!(run(c, "external_id\nc1\n").status.success());
}

#[test]
fn verify_and_keygen() {
    let mut c = bin();
    c.args(["keygen", "--kid", "5"]);
    let out = run(c, "");
    assert!(out.status.success());
    let key = text(&out.stdout).trim().to_owned();
    assert!(key.starts_with("5:") && key.len() == 2 + 43, "{key}");
    let keys = Keyring::parse(&key).expect("keygen output parses");
    assert_eq!(keys.minting_key().get(), 5);

    for (code, token, ok) in [
        ("spring", "1TYV2PyxM", false),
        ("spring", "not-base62", false),
    ] {
        let mut c = bin();
        c.env("WAKELINK_SIGNING_KEYS", &key)
            .args(["verify", "--code", code, token]);
        let out = run(c, "");
        assert_eq!(out.status.success(), ok);
        assert_eq!(text(&out.stdout).trim(), "invalid");
    }
}

/// What the test server saw of one request: (request line, authorization, body).
type Seen = (String, String, String);

/// A scripted HTTP/1.1 server: answers one request per connection with the given
/// (status, body) in order, then stops. Returns each request's (request line, authorization,
/// body).
fn serve(script: Vec<(u16, &'static str)>) -> (String, JoinHandle<Vec<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for (status, body) in script {
            let (stream, _) = listener.accept().expect("accept");
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .expect("timeout");
            let mut reader = BufReader::new(stream);
            let mut request_line = String::new();
            reader.read_line(&mut request_line).expect("request line");
            let (mut len, mut auth) = (0usize, String::new());
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).expect("header");
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                let (name, value) = h.split_once(':').unwrap_or((h, ""));
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => len = value.trim().parse().expect("length"),
                    "authorization" => auth = value.trim().to_owned(),
                    _ => {}
                }
            }
            let mut req_body = vec![0; len];
            reader.read_exact(&mut req_body).expect("body");
            seen.push((request_line.trim_end().to_owned(), auth, text(&req_body)));
            let mut stream = reader.into_inner();
            let reason = if status < 400 { "OK" } else { "Error" };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
        seen
    });
    (addr, handle)
}

fn upload(api: &str, input: &std::path::Path, batch: &str) -> Output {
    let mut c = bin();
    c.env("WAKELINK_API_KEY", "test-api-key").args([
        "upload",
        "--api",
        api,
        "--code",
        "spring",
        "--batch",
        batch,
        "--input",
        input.to_str().expect("utf-8 path"),
    ]);
    run(c, "")
}

fn minted_file(name: &str) -> PathBuf {
    let dir = scratch(name);
    let path = dir.join("minted.csv");
    let out = mint(
        &["--output", path.to_str().expect("utf-8 path")],
        "external_id,segment,variant,sent_at\n\
         u-1,dormant-6m,A,2025-12-18T03:33:20+08:00\nu-2,,B,\nu-3,dormant-6m,,2025-12-17T19:33:20Z\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    path
}

#[test]
fn upload_posts_batches_and_retries_server_errors() {
    let input = minted_file("upload-ok");
    let (api, server) = serve(vec![
        (
            503,
            r#"{"error":{"code":"unavailable","message":"try later"}}"#,
        ),
        (200, r#"{"recorded":2}"#),
        (200, r#"{"recorded":1}"#),
    ]);
    let out = upload(&api, &input, "2");
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("retry 1/5"), "{stderr}");
    assert!(!stderr.contains("test-api-key"), "{stderr}");
    let seen = server.join().expect("server");
    assert_eq!(seen.len(), 3);
    for (line, auth, _) in &seen {
        assert_eq!(line, "POST /api/v1/links/spring/recipients HTTP/1.1");
        assert_eq!(auth, "Bearer test-api-key");
    }
    assert_eq!(seen[0].2, seen[1].2, "the same batch is retried");
    let first: serde_json::Value = serde_json::from_str(&seen[1].2).expect("json");
    assert_eq!(
        first,
        serde_json::json!({"recipients": [
            {"seq": 100, "external_id": "u-1", "segment": "dormant-6m", "variant": "A", "sent_at": "2025-12-17T19:33:20.000Z"},
            {"seq": 101, "external_id": "u-2", "variant": "B"},
        ]})
    );
    let second: serde_json::Value = serde_json::from_str(&seen[2].2).expect("json");
    assert_eq!(
        second,
        serde_json::json!({"recipients": [
            {"seq": 102, "external_id": "u-3", "segment": "dormant-6m", "sent_at": "2025-12-17T19:33:20.000Z"},
        ]})
    );
}

#[test]
fn upload_stops_on_client_errors_with_the_server_message() {
    let input = minted_file("upload-4xx");
    let (api, server) = serve(vec![(
        409,
        r#"{"error":{"code":"ledger-conflict","message":"seq 1 is recorded with another external_id"}}"#,
    )]);
    let out = upload(&api, &input, "1000");
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("HTTP 409: ledger-conflict: seq 1 is recorded with another external_id"),
        "{stderr}"
    );
    assert_eq!(server.join().expect("server").len(), 1);
}

#[test]
fn upload_refuses_wrong_link_and_plain_http_elsewhere() {
    let input = minted_file("upload-wrong");
    let mut c = bin();
    c.env("WAKELINK_API_KEY", "k").args([
        "upload",
        "--api",
        "http://127.0.0.1:9",
        "--code",
        "autumn",
        "--input",
        input.to_str().expect("utf-8 path"),
    ]);
    let out = run(c, "");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("url is not a link of this code"));

    let out = upload("http://links.example.com", &input, "10");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("plain http"));
}

fn mint_api(api: &str, output: &std::path::Path) -> Output {
    let mut c = bin();
    c.env("WAKELINK_SIGNING_KEYS", KEYS)
        .env("WAKELINK_API_KEY", "test-api-key")
        .args([
            "mint",
            "--code",
            "spring",
            "--base-url",
            "https://example.link",
            "--api",
            api,
            "--output",
            output.to_str().expect("utf-8 path"),
        ]);
    run(c, "external_id,sent_at\nu-1,2025-12-17T19:33:20Z\nu-2,\n")
}

fn reservation_answer(first: u64, last: u64) -> &'static str {
    let body = serde_json::json!({
        "code": "spring", "generation": "00000000000000a1", "first": first, "last": last,
        "count": last - first + 1, "receipt": receipt(first, last),
    });
    Box::leak(body.to_string().into_boxed_str())
}

#[test]
fn mint_api_reserves_then_records_the_ledger_before_the_file_appears() {
    let dir = scratch("mint-api");
    let dest = dir.join("links.csv");
    let (api, server) = serve(vec![
        (201, reservation_answer(501, 502)),
        (201, r#"{"created":2}"#),
    ]);
    let out = mint_api(&api, &dest);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let seen = server.join().expect("server");
    assert_eq!(seen[0].0, "POST /api/v1/links/spring/reservations HTTP/1.1");
    assert_eq!(seen[0].2, r#"{"count":2}"#);
    assert_eq!(seen[1].0, "POST /api/v1/links/spring/recipients HTTP/1.1");
    let posted: serde_json::Value = serde_json::from_str(&seen[1].2).expect("json");
    assert_eq!(posted["recipients"][0]["seq"], 501);
    assert_eq!(posted["recipients"][1]["seq"], 502);
    let written = std::fs::read_to_string(&dest).expect("output");
    assert!(written.lines().nth(1).expect("row").starts_with("501,u-1,"));

    // The ledger refuses the list: no links file, and the reservation stays unused.
    let dest = dir.join("refused.csv");
    let (api, server) = serve(vec![
        (201, reservation_answer(503, 504)),
        (
            409,
            r#"{"error":{"code":"ledger-conflict","message":"recipients[0]: external_id is recorded with seq 7"}}"#,
        ),
    ]);
    let out = mint_api(&api, &dest);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("recorded with seq 7"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dest.exists());
    assert!(!dir.join("refused.csv.partial").exists());
    assert_eq!(server.join().expect("server").len(), 2);

    // A receipt the local keys don't check: the worker signs with other keys.
    let forged = reservation_answer(505, 506)
        .replace("\"receipt\":\"r1.505-506", "\"receipt\":\"r1.505-507");
    let (api, server) = serve(vec![(201, Box::leak(forged.into_boxed_str()))]);
    let out = mint_api(&api, &dir.join("forged.csv"));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("WAKELINK_SIGNING_KEYS"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(server.join().expect("server").len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}
