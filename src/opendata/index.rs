//! `index.html`: the human page of the open data (in Italian) — each dataset with its
//! description, file, size, columns and what they mean, the licence, the catalogue.
//! Each dataset's section is its `dcat:landingPage` (`#<id>`).

use std::fmt::Write;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::catalog::{CATALOG_FILE, Entry};
use super::config::Config;
use super::datasets::Frequency;

/// The page's file name.
pub const INDEX_FILE: &str = "index.html";

/// The page listing `entries`.
pub(super) fn page(config: &Config, entries: &[Entry]) -> String {
    let threshold = config.threshold.to_string();
    let mut out = String::new();
    let publisher = text(&config.publisher.name);
    // `write!` into a String cannot fail.
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"it\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Dati aperti dello sportello digitale – {publisher}</title>\n\
         <link rel=\"alternate\" type=\"application/ld+json\" href=\"{CATALOG_FILE}\">\n\
         <style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}\
         table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}}\
         code{{font-size:.95em}}</style>\n</head>\n<body>\n\
         <h1>Dati aperti dello sportello digitale</h1>\n\
         <p>Pubblicati da {publisher} (codice IPA <code>{ipa}</code>) con licenza \
         <a href=\"{licence_url}\">{licence}</a>. Catalogo DCAT-AP_IT: \
         <a href=\"{CATALOG_FILE}\"><code>{CATALOG_FILE}</code></a>.</p>\n\
         <p>Solo conteggi: nessun messaggio, nome, numero di telefono o identificativo delle persone. \
         I valori che riguardano meno di {threshold} persone non sono pubblicati, e nemmeno quelli \
         che permetterebbero di ricavarli dai totali: la cella è vuota e la colonna \
         <code>valori_soppressi</code> della riga la nomina. I file sono CSV in UTF-8, separati da \
         virgole, con le date nella forma AAAA-MM-GG (ora italiana) e i decimali col punto.</p>\n",
        ipa = text(&config.publisher.id),
        licence_url = attr(&config.licence.url),
        licence = text(&config.licence.name),
    );
    for entry in entries {
        let d = entry.dataset;
        let file = d.file_name();
        let frequency = match d.frequency {
            Frequency::Daily => "ogni giorno",
            Frequency::Irregular => "quando si chiude una consultazione",
        };
        let _ = write!(
            out,
            "<section id=\"{id}\">\n<h2>{title}</h2>\n<p>{description}</p>\n\
             <p><a href=\"{file}\"><code>{file}</code></a> ({bytes} byte) · dal {from} al {to} · \
             aggiornato {frequency}, l'ultima volta il {modified}</p>\n\
             <table>\n<thead><tr><th>colonna</th><th>tipo</th><th>significato</th></tr></thead>\n<tbody>\n",
            id = attr(d.id),
            title = text(d.title.0),
            description = text(&d.description.0.replace("{soglia}", &threshold)),
            file = attr(&file),
            bytes = entry.bytes,
            from = entry.temporal.0.format("%d/%m/%Y"),
            to = entry.temporal.1.format("%d/%m/%Y"),
            modified = entry.modified.format("%d/%m/%Y"),
        );
        for column in d.header() {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                text(column.name),
                text(column.kind.name()),
                text(column.it)
            );
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}
