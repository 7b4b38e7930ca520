//! `kaibo report`: the page and its exports for a recorded session, and clear errors otherwise.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use audience::store::{Durability, Recorded, Store};
use audience::tally::Tally;
use audience::{AudienceEvent, EventBody, User};

fn kaibo() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kaibo"));
    command.env_remove("KAIBO_DATA_DIR").env_remove("XDG_DATA_HOME");
    command
}

#[test]
fn report_writes_html_json_and_csv_and_explains_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let mut store = Store::open(&data.join("sessions.db"), "抹茶专场", Durability::ProcessCrash).unwrap();
    let event = AudienceEvent {
        platform: "taobao".into(),
        room: "shop".into(),
        id: "o1".into(),
        at: chrono::Utc::now(),
        user: Some(User { id: "1".into(), name: "阿花".into(), badges: Vec::new() }),
        body: EventBody::Order {
            product: "tea".into(),
            quantity: 2,
            amount: "176".parse().unwrap(),
            currency: "CNY".into(),
            stock_left: Some(3),
        },
    };
    store.write_batch(&[Recorded { event: &event, hidden: false }], &mut Tally::default()).unwrap();
    let session = store.session().to_string();
    let (out, json, csv) = (dir.path().join("r.html"), dir.path().join("r.json"), dir.path().join("r.csv"));

    // The data directory from the environment.
    let status = kaibo()
        .args(["report", &session, "--out"])
        .arg(&out)
        .arg("--json")
        .arg(&json)
        .arg("--csv")
        .arg(&csv)
        .env("KAIBO_DATA_DIR", &data)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    assert!(std::fs::read_to_string(&out).unwrap().contains("<svg"));
    assert!(std::fs::read_to_string(&json).unwrap().contains("\"orders_outside\": 1"));
    assert!(dir.path().join("r-orders.csv").is_file());

    // The language: --lang, else LANG (LC_ALL first), else English.
    let page = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = kaibo();
        command.args(["report", &session, "--out"]).arg(&out).arg("--data").arg(&data).args(args);
        command.env_remove("LC_ALL").env_remove("LC_MESSAGES").env_remove("LANG");
        for (name, value) in env {
            command.env(name, value);
        }
        let run = command.output().unwrap();
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        std::fs::read_to_string(&out).unwrap()
    };
    let chinese = page(&["--lang", "zh-CN"], &[("LANG", "en_US.UTF-8")]);
    assert!(chinese.contains("<html lang=\"zh-CN\">") && chinese.contains("<h2>概览</h2>"), "{chinese}");
    assert!(chinese.contains("订单合计") && !chinese.contains("<h2>Summary</h2>"));
    let from_env = page(&[], &[("LANG", "zh_CN.UTF-8")]);
    assert!(from_env.contains("<h2>概览</h2>"));
    let english = page(&[], &[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "en_US.UTF-8")]);
    assert!(
        english.contains("<html lang=\"en\">")
            && english.contains("<h2>Summary</h2>")
            && english.contains("order total")
    );
    assert!(page(&[], &[]).contains("<h2>Summary</h2>"));
    let bad = kaibo().args(["report", &session, "--out"]).arg(&out).args(["--lang", "fr"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("zh-CN or en"), "{}", String::from_utf8_lossy(&bad.stderr));

    // No such session: the sessions there are, exit 2.
    let missing = kaibo().args(["report", "99", "--out"]).arg(&out).arg("--data").arg(&data).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("no session 99") && stderr.contains("抹茶专场"), "{stderr}");

    // No database, exit 2.
    let nothing = kaibo()
        .args(["report", "1", "--out"])
        .arg(&out)
        .arg("--data")
        .arg(dir.path().join("nowhere"))
        .output()
        .unwrap();
    assert_eq!(nothing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&nothing.stderr).contains("no session database"));

    // Cannot write the output: said, and not a success.
    let blocked = kaibo()
        .args(["report", &session, "--out"])
        .arg(dir.path().join("no-such-dir").join("r.html"))
        .arg("--data")
        .arg(&data)
        .output()
        .unwrap();
    assert!(!blocked.status.success());
    assert!(String::from_utf8_lossy(&blocked.stderr).contains("cannot write"));
}
