//! The staff and citizen-rights commands against a real PostgreSQL, as an operator
//! types them: migrate, import the demo content, chat on the database, erase.

mod common;

use std::process::Output;

use common::{sportello, url_of};

use sqlx::PgPool;

fn out(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[sqlx::test(migrations = false)]
async fn import_chat_on_postgres_and_erase(pool: PgPool) {
    let url = url_of(&pool);
    let db = ["--database-url", url.as_str()];

    let output = sportello(&[&["migrate"][..], &db].concat(), "");
    assert!(output.status.success(), "{}", out(&output));

    let output = sportello(
        &[&["content", "import", "content/demo.yaml"][..], &db].concat(),
        "",
    );
    assert!(output.status.success(), "{}", out(&output));
    assert!(
        out(&output).contains("0 changed, 0 unchanged"),
        "{}",
        out(&output)
    );
    let output = sportello(
        &[&["content", "import", "content/demo.yaml"][..], &db].concat(),
        "",
    );
    assert!(
        out(&output).contains("0 added, 0 changed"),
        "re-import changes nothing: {}",
        out(&output)
    );

    // The FAQ comes from the database's full-text search.
    let chat = ["chat", "--database-url", url.as_str()];
    let output = sportello(&chat, "quando esce il bando di medicina?\n");
    assert!(
        out(&output).contains("Il bando per i test di medicina"),
        "{}",
        out(&output)
    );

    // Subscribing in one run is still there in the next.
    let output = sportello(&chat, "/notizie\n1\n1\n");
    assert!(
        out(&output).contains("Ora ricevi le notizie su: Esame di Stato"),
        "{}",
        out(&output)
    );
    let output = sportello(&chat, "/notizie\n");
    assert!(
        out(&output).contains("Ricevi le notizie su: Esame di Stato."),
        "{}",
        out(&output)
    );

    let output = sportello(
        &[
            &[
                "citizen",
                "export",
                "--channel",
                "console",
                "--chat",
                "local",
            ][..],
            &db,
        ]
        .concat(),
        "",
    );
    let export: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
    assert_eq!(
        export["subscriber"]["topics"][0],
        "maturita",
        "{}",
        out(&output)
    );

    let erase = [
        &[
            "citizen",
            "erase",
            "--channel",
            "console",
            "--chat",
            "local",
        ][..],
        &db,
    ]
    .concat();
    let output = sportello(&erase, "");
    assert!(output.status.success());
    assert!(
        out(&output).contains("1 session(s), 1 subscription(s)"),
        "{}",
        out(&output)
    );
    let output = sportello(&erase, "");
    assert!(
        output.status.success(),
        "an unknown citizen is not an error"
    );
    assert!(
        out(&output).contains("nothing is stored about console/local"),
        "{}",
        out(&output)
    );

    let output = sportello(
        &[
            &[
                "news",
                "add",
                "--title",
                "Titolo «prova» <b>",
                "--body",
                "'; DROP TABLE news; --",
                "--topic",
                "maturita",
            ][..],
            &db,
        ]
        .concat(),
        "",
    );
    assert!(output.status.success(), "{}", out(&output));
    let output = sportello(&[&["news", "list"][..], &db].concat(), "");
    assert!(
        out(&output).contains("Titolo «prova» <b>"),
        "{}",
        out(&output)
    );

    let output = sportello(
        &[
            &[
                "news", "add", "--title", "T", "--body", "B", "--topic", "sport",
            ][..],
            &db,
        ]
        .concat(),
        "",
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        out(&output).contains("unknown topic `sport`"),
        "{}",
        out(&output)
    );
}

#[sqlx::test(migrations = false)]
async fn a_bad_content_file_imports_nothing_and_says_where(pool: PgPool) {
    let url = url_of(&pool);
    assert!(
        sportello(&["migrate", "--database-url", &url], "")
            .status
            .success()
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("calendario.csv");
    std::fs::write(&file, "key,category,title,starts_at\nok,maturita-prima,Prima,2027-06-16 08:30\nbad,matruita,Seconda,2027-06-17 08:30\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let path = file.display().to_string();
    let output = sportello(&["content", "import", &path, "--database-url", &url], "");
    assert_eq!(output.status.code(), Some(1));
    let text = out(&output);
    assert!(
        text.contains("calendario.csv:3: `category`: unknown category `matruita`"),
        "{text}"
    );
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&pool)
        .await
        .unwrap_or(-1);
    assert_eq!(events, 0, "nothing imported");
}

#[test]
fn an_unreachable_database_is_one_line_and_a_failure() {
    let output = sportello(
        &[
            "migrate",
            "--database-url",
            "postgres://postgres@127.0.0.1:1/none",
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: database:"), "{stderr}");
    assert!(!stderr.contains("panicked"));
}

#[sqlx::test(migrations = false)]
async fn tickets_are_listed_read_and_closed_from_the_command_line(pool: PgPool) {
    let url = url_of(&pool);
    let db = ["--database-url", url.as_str()];
    let output = sportello(&[&["migrate"][..], &db].concat(), "");
    assert!(output.status.success(), "{}", out(&output));
    let chat = ["chat", "--database-url", url.as_str(), "--chat", "99"];
    let output = sportello(&chat, "/operatore\nil mio diploma non è registrato\n");
    assert!(
        out(&output).contains("Ti metto in contatto"),
        "{}",
        out(&output)
    );

    let output = sportello(&[&["tickets", "list"][..], &db].concat(), "");
    let listed = out(&output);
    assert!(output.status.success(), "{listed}");
    assert!(
        listed.contains("#1 ") && listed.contains("urp") && listed.contains("open"),
        "{listed}"
    );
    assert!(!listed.contains("99"), "no chat id in the list: {listed}");

    let output = sportello(&[&["tickets", "show", "1"][..], &db].concat(), "");
    assert!(
        out(&output).contains("citizen  il mio diploma non è registrato"),
        "{}",
        out(&output)
    );

    let output = sportello(&[&["tickets", "close", "1"][..], &db].concat(), "");
    assert!(output.status.success(), "{}", out(&output));
    let output = sportello(&[&["tickets", "close", "1"][..], &db].concat(), "");
    assert!(!output.status.success(), "closing twice: {}", out(&output));
    let output = sportello(&[&["tickets", "list"][..], &db].concat(), "");
    assert!(out(&output).contains("no open tickets"), "{}", out(&output));
    // The bot answers the citizen again.
    let output = sportello(&chat, "quando è la prima prova?\n");
    assert!(
        !out(&output).contains("inoltrato") && !out(&output).contains("passed to the office"),
        "{}",
        out(&output)
    );
}
