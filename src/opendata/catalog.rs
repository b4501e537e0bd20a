//! The DCAT-AP_IT catalogue of the datasets, as JSON-LD (`catalogo.jsonld`), for
//! dati.gov.it to harvest.
//!
//! One `@graph` of flat nodes linked by `@id`, as the AgID practical guide writes
//! them: the `dcatapit:Catalog`; per dataset a `dcatapit:Dataset` with the profile's
//! mandatory properties (`dct:identifier` as `<IPA code>:sportello-<id>`, title and
//! description in Italian and English, `dct:modified` as `xsd:date`, `dcat:theme`
//! GOVE, `dct:rightsHolder`, `dct:accrualPeriodicity`) and recommended ones
//! (publisher, language, keywords, temporal coverage, landing page, contact point
//! when configured) and one `dcatapit:Distribution` (CSV from the EU file-type
//! vocabulary, access and download URL, licence, media type, size); the
//! `dcatapit:Agent`s with IPA code and name; the `dcatapit:LicenseDocument`.

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::config::{Agent, Config};
use super::datasets::Dataset;

/// The EU vocabularies the catalogue names its values from.
const DATA_THEME: &str = "http://publications.europa.eu/resource/authority/data-theme";
const GOVERNMENT: &str = "http://publications.europa.eu/resource/authority/data-theme/GOVE";
const ITALIAN: &str = "http://publications.europa.eu/resource/authority/language/ITA";
const CSV_FILE: &str = "http://publications.europa.eu/resource/authority/file-type/CSV";
const CSV_MEDIA_TYPE: &str = "http://www.iana.org/assignments/media-types/text/csv";

/// The catalogue's file name.
pub const CATALOG_FILE: &str = "catalogo.jsonld";

/// What the catalogue says about one published dataset.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The dataset.
    pub dataset: &'static Dataset,
    /// Its CSV file's size in bytes.
    pub bytes: usize,
    /// The days its figures cover.
    pub temporal: (NaiveDate, NaiveDate),
    /// When its figures last changed.
    pub modified: NaiveDate,
}

/// The catalogue of `entries`, modified `today`.
pub(super) fn catalog(config: &Config, entries: &[Entry], today: NaiveDate) -> Value {
    let base = config.base_url.as_str();
    let node = |fragment: &str| format!("{base}#{fragment}");
    let publisher_id = node("editore");
    let holder_id = if config.rights_holder == config.publisher {
        publisher_id.clone()
    } else {
        node("titolare")
    };
    let contact_id = node("contatto");
    let threshold = config.threshold.to_string();

    let mut graph = vec![json!({
        "@id": node("catalogo"),
        "@type": ["dcat:Catalog", "dcatapit:Catalog"],
        "dct:title": texts(
            &format!("Dati aperti dello sportello digitale – {}", config.publisher.name),
            &format!("Open data of the digital help desk – {}", config.publisher.name),
        ),
        "dct:description": texts(
            "Dati aggregati sull'uso dello sportello digitale (l'assistente automatico su Telegram e WhatsApp): conversazioni, iscritti alle notizie, notizie consegnate e risultati delle consultazioni. Nessun dato personale: solo conteggi, e quelli troppo piccoli non sono pubblicati.",
            "Aggregate figures on the use of the digital help desk (the automated assistant on Telegram and WhatsApp): conversations, news subscribers, news delivered and consultation results. No personal data: counts only, and those too small are withheld.",
        ),
        "dct:publisher": { "@id": publisher_id },
        "dct:modified": date(today),
        "dct:language": { "@id": ITALIAN },
        "foaf:homepage": { "@id": base },
        "dcat:themeTaxonomy": { "@id": DATA_THEME },
        "dcat:dataset": entries
            .iter()
            .map(|e| json!({ "@id": node(&format!("dataset-{}", e.dataset.id)) }))
            .collect::<Vec<_>>(),
    })];

    for entry in entries {
        let d = entry.dataset;
        let file = d.file_name();
        let (description_it, description_en) = (
            d.description.0.replace("{soglia}", &threshold),
            d.description.1.replace("{soglia}", &threshold),
        );
        let mut dataset = json!({
            "@id": node(&format!("dataset-{}", d.id)),
            "@type": ["dcat:Dataset", "dcatapit:Dataset"],
            "dct:identifier": format!("{}:sportello-{}", config.publisher.id, d.id),
            "dct:title": texts(d.title.0, d.title.1),
            "dct:description": texts(&description_it, &description_en),
            "dct:modified": date(entry.modified),
            "dcat:theme": { "@id": GOVERNMENT },
            "dct:rightsHolder": { "@id": holder_id },
            "dct:publisher": { "@id": publisher_id },
            "dct:accrualPeriodicity": { "@id": d.frequency.uri() },
            "dct:language": { "@id": ITALIAN },
            "dcat:keyword": d
                .keywords
                .iter()
                .map(|k| json!({ "@value": k, "@language": "it" }))
                .collect::<Vec<_>>(),
            "dct:temporal": {
                "@type": "dct:PeriodOfTime",
                // DCAT-AP_IT 1.0 names the bounds with schema.org, DCAT 2 with its own.
                "schema:startDate": date(entry.temporal.0),
                "schema:endDate": date(entry.temporal.1),
                "dcat:startDate": date(entry.temporal.0),
                "dcat:endDate": date(entry.temporal.1),
            },
            "dcat:landingPage": { "@id": format!("{base}#{}", d.id) },
            "dcat:distribution": { "@id": node(&format!("{}-csv", d.id)) },
        });
        if config.contact_email.is_some()
            && let Some(fields) = dataset.as_object_mut()
        {
            fields.insert("dcat:contactPoint".into(), json!({ "@id": contact_id }));
        }
        graph.push(dataset);
        graph.push(json!({
            "@id": node(&format!("{}-csv", d.id)),
            "@type": ["dcat:Distribution", "dcatapit:Distribution"],
            "dct:title": texts(&format!("{} (CSV)", d.title.0), &format!("{} (CSV)", d.title.1)),
            "dct:description": texts(
                "File CSV in UTF-8, separato da virgole, con una riga di intestazione; le colonne sono descritte nella pagina del dataset. Le celle non pubblicate sono vuote e nominate nella colonna valori_soppressi.",
                "CSV file in UTF-8, comma-separated, with a header row; the columns are described on the dataset's page. Withheld cells are empty and named in the column valori_soppressi.",
            ),
            "dct:format": { "@id": CSV_FILE },
            "dcat:mediaType": { "@id": CSV_MEDIA_TYPE },
            "dcat:accessURL": { "@id": format!("{base}{file}") },
            "dcat:downloadURL": { "@id": format!("{base}{file}") },
            "dct:license": { "@id": config.licence.url },
            "dcat:byteSize": { "@value": entry.bytes.to_string(), "@type": "xsd:decimal" },
        }));
    }

    graph.push(agent(&publisher_id, &config.publisher));
    if holder_id != publisher_id {
        graph.push(agent(&holder_id, &config.rights_holder));
    }
    let mut licence = json!({
        "@id": config.licence.url,
        "@type": ["dct:LicenseDocument", "dcatapit:LicenseDocument"],
        "foaf:name": { "@value": config.licence.name, "@language": "it" },
    });
    if let (Some(kind), Some(fields)) = (config.licence.kind, licence.as_object_mut()) {
        fields.insert("dct:type".into(), json!({ "@id": kind }));
    }
    graph.push(licence);
    if let Some(email) = &config.contact_email {
        graph.push(json!({
            "@id": contact_id,
            "@type": ["vcard:Organization", "vcard:Kind", "dcatapit:Organization"],
            "vcard:fn": config.publisher.name,
            "vcard:hasEmail": { "@id": format!("mailto:{email}") },
        }));
    }

    json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "dcatapit": "http://dati.gov.it/onto/dcatapit#",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "vcard": "http://www.w3.org/2006/vcard/ns#",
            "schema": "http://schema.org/",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@graph": graph,
    })
}

/// A `dcatapit:Agent` node.
fn agent(id: &str, agent: &Agent) -> Value {
    json!({
        "@id": id,
        "@type": ["foaf:Agent", "dcatapit:Agent"],
        "dct:identifier": agent.id,
        "foaf:name": { "@value": agent.name, "@language": "it" },
    })
}

/// A text in Italian and in English.
fn texts(it: &str, en: &str) -> Value {
    json!([
        { "@value": it, "@language": "it" },
        { "@value": en, "@language": "en" },
    ])
}

/// An `xsd:date` literal.
fn date(day: NaiveDate) -> Value {
    json!({ "@value": day.format("%Y-%m-%d").to_string(), "@type": "xsd:date" })
}
