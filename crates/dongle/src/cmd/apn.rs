//! `dongle apn [MCCMNC | --imsi IMSI]`: the APNs `dongle up` would try, from
//! mobile-broadband-provider-info and the APN memory; with no argument, for the SIM in the
//! modem (`AT+CIMI`, and the ICCID for the memory).

use crate::cli::ApnArgs;
use crate::context::Context;
use crate::failure::{Exit, Failure};
use crate::output::{self, or_dash};
use crate::ports;
use dongle_at::parse::identity::{parse_iccid, parse_imsi};
use dongle_at::AtError;
use dongle_catalog::{
    assemble, imsi_splits, plmn_from_imsi, sim_key, ApnCandidate, ApnDatabase, ApnDbError,
    ApnMemory, ApnSource, Plmn, RememberedApn, APN_DB_INSTALL, FALLBACK_APNS, SYSTEM_APN_DB,
};
use std::io;

/// What the list is for.
struct Subject {
    /// The network looked up (none: an IMSI whose every split is unknown keeps its likelier one).
    plmn: Option<Plmn>,
    /// Every network tried, for the "nothing found" message.
    tried: Vec<Plmn>,
    imsi: Option<String>,
    iccid: Option<String>,
    /// Where the network came from, for people ("" when typed as a network).
    from: String,
}

pub fn run(ctx: &Context, a: &ApnArgs) -> Result<(), Failure> {
    // Check the input before anything is read.
    let typed = match (&a.network, &a.imsi) {
        (Some(n), _) => Some(Input::Network(parse_network(n)?)),
        (None, Some(i)) => Some(Input::Imsi(parse_imsi_arg(i)?)),
        (None, None) => None,
    };
    let db = ApnDatabase::load(a.file.as_deref()).map_err(|e| db_failure(e, a.file.is_some()))?;
    let subject = match typed {
        Some(Input::Network(p)) => Subject {
            from: String::new(),
            tried: vec![p.clone()],
            plmn: Some(p),
            imsi: None,
            iccid: None,
        },
        Some(Input::Imsi(i)) => from_imsi(&db, format!("IMSI {i}"), i, None),
        None => {
            let (imsi, iccid) = read_sim(ctx, a)?;
            from_imsi(&db, format!("the SIM (IMSI {imsi})"), imsi, iccid)
        }
    };

    let list = if a.all {
        match &subject.plmn {
            Some(p) => db.lookup_all(&p.mcc, &p.mnc),
            None => Vec::new(),
        }
    } else {
        let database = match &subject.plmn {
            Some(p) => db.lookup(&p.mcc, &p.mnc),
            None => Vec::new(),
        };
        let memory = open_memory(ctx);
        let remembered = memory.as_ref().and_then(|m| recall(m, &subject));
        // No override here: `dongle up --apn` needs no list.
        assemble(subject.plmn.as_ref(), remembered.as_ref(), database, None)
            .map_err(|e| Failure::new(Exit::Failure, e.to_string()))?
    };

    let from_db = list.iter().any(|c| c.source == ApnSource::Database);
    if ctx.global.json {
        output::json(&list);
        if !from_db && !ctx.global.quiet {
            eprintln!("dongle: {}", nothing_found(&subject, &db));
        }
        return Ok(());
    }
    print_human(ctx, &subject, &db, &list, from_db, a.all);
    Ok(())
}

enum Input {
    Network(Plmn),
    Imsi(String),
}

fn parse_network(text: &str) -> Result<Plmn, Failure> {
    Plmn::parse(text).ok_or_else(|| {
        Failure::new(
            Exit::Usage,
            format!(
                "{text:?} is not a network: give MCCMNC as 5 or 6 digits (27001, 310410) or \
                 MCC/MNC (262/07), or an IMSI with --imsi"
            ),
        )
    })
}

fn parse_imsi_arg(text: &str) -> Result<String, Failure> {
    let t = text.trim();
    if (6..=15).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) {
        Ok(t.to_string())
    } else {
        Err(Failure::new(
            Exit::Usage,
            format!("IMSI {text:?} is not valid: an IMSI is 6 to 15 digits (e.g. 270010123456789)"),
        ))
    }
}

fn db_failure(e: ApnDbError, named: bool) -> Failure {
    // A file the user named is bad input; a missing system database is a setup problem.
    match e {
        ApnDbError::Io { path, source } if named && source.kind() == io::ErrorKind::NotFound => {
            Failure::new(
                Exit::Usage,
                format!(
                    "{}: no such file; check the path given with --file (the system's database \
                     is {SYSTEM_APN_DB}, from `{APN_DB_INSTALL}`)",
                    path.display()
                ),
            )
        }
        e if named => Failure::new(Exit::Usage, e.to_string()),
        e => Failure::new(Exit::Failure, e.to_string()),
    }
}

fn from_imsi(db: &ApnDatabase, from: String, imsi: String, iccid: Option<String>) -> Subject {
    let tried = plmn_from_imsi(&imsi, db);
    let (plmn, _) = db
        .lookup_imsi(&imsi)
        .map(|(p, c)| (Some(p), c))
        .unwrap_or((None, Vec::new()));
    let plmn = plmn.or_else(|| imsi_splits(&imsi).into_iter().next());
    Subject {
        from,
        plmn,
        tried,
        imsi: Some(imsi),
        iccid,
    }
}

/// The SIM's IMSI (required) and ICCID (for the memory; best effort).
fn read_sim(ctx: &Context, a: &ApnArgs) -> Result<(String, Option<String>), Failure> {
    let s = ports::open_control(ctx, a.device.as_deref(), a.port.as_deref())?;
    let imsi = match s.command("AT+CIMI") {
        Ok(r) => parse_imsi(&r.body()).map_err(|e| Failure::new(Exit::Modem, e.to_string()))?,
        Err(AtError::Rejected { result, .. }) => {
            return Err(Failure::new(
                Exit::Modem,
                format!(
                    "AT+CIMI: the modem answered {result}: the SIM is locked, absent or not \
                     ready (see `dongle info`; unlock with `dongle unlock`), or name the \
                     network: `dongle apn MCCMNC`"
                ),
            ))
        }
        Err(e) => return Err(e.into()),
    };
    let iccid = ["AT^ICCID?", "AT+CCID"]
        .into_iter()
        .find_map(|c| s.command(c).ok().and_then(|r| parse_iccid(&r.body()).ok()));
    Ok((imsi, iccid))
}

fn open_memory(ctx: &Context) -> Option<ApnMemory> {
    match ApnMemory::open(ApnMemory::default_path()) {
        Ok(m) => Some(m),
        Err(e) => {
            // A broken memory file must not hide the database's answer.
            if !ctx.global.quiet {
                eprintln!("dongle: warning: {e}");
            }
            None
        }
    }
}

fn recall(m: &ApnMemory, s: &Subject) -> Option<RememberedApn> {
    [
        sim_key(s.iccid.as_deref(), None),
        sim_key(None, s.imsi.as_deref()),
    ]
    .into_iter()
    .flatten()
    .find_map(|k| m.recall_entry(&k).cloned())
}

fn nothing_found(s: &Subject, db: &ApnDatabase) -> String {
    let nets = match s.tried.as_slice() {
        [] => "this network".to_string(),
        t => t
            .iter()
            .map(Plmn::to_string)
            .collect::<Vec<_>>()
            .join(" or "),
    };
    let guesses = FALLBACK_APNS
        .iter()
        .map(|a| match *a {
            "" => "the empty APN (network default)".to_string(),
            a => format!("\"{a}\""),
        })
        .collect::<Vec<_>>()
        .join(", then ");
    format!(
        "no APN known for {nets} in {}; ask the operator for the APN and use `dongle up --apn \
         APN`; without one, `dongle up` guesses {guesses}",
        db.path().display()
    )
}

fn print_human(
    ctx: &Context,
    s: &Subject,
    db: &ApnDatabase,
    list: &[ApnCandidate],
    from_db: bool,
    all: bool,
) {
    let provider = list
        .iter()
        .find(|c| c.source == ApnSource::Database)
        .and_then(|c| c.provider.clone());
    let net = match (&s.plmn, provider) {
        (Some(p), Some(name)) => format!("{p} ({name})"),
        (Some(p), None) => p.to_string(),
        (None, _) => "-".into(),
    };
    let from = match s.from.as_str() {
        "" => String::new(),
        f => format!(" from {f}"),
    };
    println!("Network {net}{from}; database {}", db.path().display());
    if list.is_empty() {
        println!("\n{}", nothing_found(s, db));
        return;
    }
    let mut rows = vec![["#", "PROVIDER", "APN", "USER", "AUTH", "USAGE", "SOURCE"]
        .map(String::from)
        .to_vec()];
    for (i, c) in list.iter().enumerate() {
        rows.push(vec![
            (i + 1).to_string(),
            or_dash(c.provider.clone()),
            if c.apn.is_empty() {
                "\"\"".into()
            } else {
                c.apn.clone()
            },
            or_dash(c.username.clone()),
            or_dash(c.auth.clone()),
            or_dash(c.usage.clone()),
            c.source.to_string(),
        ]);
    }
    println!();
    output::table(&rows, "  ");
    if !from_db && !all {
        // The rows are guesses or memory: the message says what to do.
        println!("\n{}", nothing_found(s, db));
        return;
    }
    if ctx.global.quiet {
        return;
    }
    let first = list.first().map(|c| c.apn.as_str()).unwrap_or("");
    if all {
        println!("\nnext: `dongle apn` without --all shows what `dongle up` tries");
    } else {
        println!(
            "\nnext: `dongle up` tries these in order; to use one only: dongle up --apn {}",
            if first.is_empty() { "\"\"" } else { first }
        );
    }
}
