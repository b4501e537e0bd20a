//! `sportello opendata export DIR`, and the open-data settings `serve` shares.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use sportello::opendata::{self, Config, Labels, Settings};

use super::data::with_store;
use super::staff::load_or_report;
use crate::{OpendataArgs, OpendataCommand};

pub fn opendata(command: OpendataCommand) -> anyhow::Result<ExitCode> {
    match command {
        OpendataCommand::Export {
            dir,
            dialogues,
            opendata,
            db,
        } => export(&dir, dialogues.as_deref(), &opendata, &db),
    }
}

fn export(
    dir: &Path,
    dialogues: Option<&Path>,
    args: &OpendataArgs,
    db: &crate::Database,
) -> anyhow::Result<ExitCode> {
    let config = Config::try_from(settings(args))?;
    let dialogues = load_or_report(dialogues)?;
    let labels = Labels::from_dialogues(&dialogues);
    let today = opendata::today();
    let publication = with_store(db, async |store| {
        Ok(opendata::publish_from(&store, &labels, &config, today).await?)
    })?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for file in &publication.files {
        let path = dir.join(&file.name);
        std::fs::write(&path, &file.bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let withheld: usize = publication
        .tables
        .iter()
        .map(|(_, t)| t.withheld.len())
        .sum();
    println!(
        "wrote {} files to {} ({} cells withheld: fewer than {} citizens, or shielding those)",
        publication.files.len(),
        dir.display(),
        withheld,
        config.threshold
    );
    Ok(ExitCode::SUCCESS)
}

/// The settings as given on the command line or in the environment.
fn settings(args: &OpendataArgs) -> Settings {
    Settings {
        publisher_name: args.opendata_publisher_name.clone(),
        publisher_id: args.opendata_publisher_id.clone(),
        rights_holder_name: args.opendata_rights_holder_name.clone(),
        rights_holder_id: args.opendata_rights_holder_id.clone(),
        licence_url: args.opendata_license.clone(),
        licence_name: args.opendata_license_name.clone(),
        base_url: args.opendata_base_url.clone(),
        threshold: args.opendata_threshold,
        days: args.opendata_days,
        contact_email: args.opendata_contact_email.clone(),
    }
}

/// The open data `serve` publishes: `None` when none of its required settings is
/// given (not published); an error when they are given but incomplete or wrong.
pub(super) fn serve_config(args: &OpendataArgs) -> anyhow::Result<Option<Config>> {
    let required = [
        &args.opendata_publisher_name,
        &args.opendata_publisher_id,
        &args.opendata_base_url,
    ];
    if required
        .iter()
        .all(|v| v.as_deref().is_none_or(|v| v.trim().is_empty()))
    {
        return Ok(None);
    }
    Ok(Some(Config::try_from(settings(args))?))
}
