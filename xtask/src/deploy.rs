//! `cargo xtask deploy`: from a Cloudflare account to a live shop, creating what is missing.
//!
//! 1. builds (pages, search index, browser bundle, worker);
//! 2. checks that wrangler is logged in (`wrangler login`, or `CLOUDFLARE_API_TOKEN` in CI);
//! 3. creates the order-events queue and its dead-letter queue unless they exist;
//! 4. creates the D1 database `edgeshop` unless it exists and applies `migrations/` to it;
//! 5. checks the secrets (Stripe's pair optional but both or neither);
//! 6. a shop with its images in R2 (`[deploy] images = "r2"`): creates the bucket unless it exists
//!    and uploads the images this machine has not sent before (before the pages that show them);
//! 7. `wrangler deploy` (no ids in wrangler.toml).
//!
//! `--dry-run` does the build and `wrangler deploy --dry-run` only: no account needed.

use crate::root;
use crate::tools::wrangler;

const QUEUES: [&str; 3] = ["edgeshop-order-events", "edgeshop-order-events-dlq", "edgeshop-analytics"];
const DATABASE: &str = "edgeshop";

/// Output (stdout + stderr) and success of a wrangler command.
fn wr(args: &[&str]) -> Result<(bool, String), String> {
    let out = wrangler().args(args).output().map_err(|e| format!("wrangler {}: {e}", args.join(" ")))?;
    Ok((out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))))
}

fn step(what: &str) {
    println!("deploy: {what}");
}

pub fn run(dry_run: bool) -> Result<(), String> {
    crate::tools::ensure_all(crate::tools::Needs::Build)?;
    step("building the shop");
    crate::build::all(&root().join("catalog"), crate::build::Optimise::Full)?;
    // Before anything is uploaded: a build over the plan's static-asset limits stops here, and so
    // does a worker over the plan's size (what wrangler would upload, compressed).
    let plan = crate::build::plan_deploy(&root().join("catalog"), &crate::build::dist())?.map_err(|why| format!("not deployed: {why}"))?;
    step("wrangler deploy --dry-run (the worker's size)");
    let out = crate::run_output(wrangler().args(["deploy", "--dry-run", "--outdir"]).arg(root().join("target/deploy-dry-run")))?;
    let gzip_kib = upload_gzip_kib(&out).ok_or_else(|| format!("wrangler did not report the upload's size:\n{out}"))?;
    step(&format!("the worker: {gzip_kib:.2} KiB compressed (the {} plan takes {:.0} KiB)", plan.name(), plan.max_worker_gzip_kib()));
    plan.check_worker(gzip_kib).map_err(|why| format!("not deployed: {why}"))?;
    if dry_run {
        return Ok(());
    }

    step("checking the Cloudflare login");
    let (ok, text) = wr(&["whoami"])?;
    if !ok || text.contains("not authenticated") {
        return Err("wrangler is not logged in: run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN), then deploy again".into());
    }

    for queue in QUEUES {
        let (ok, text) = wr(&["queues", "create", queue])?;
        match (ok, text.contains("already exists") || text.contains("already taken")) {
            (true, _) => step(&format!("created queue {queue}")),
            (false, true) => step(&format!("queue {queue} exists")),
            (false, false) => return Err(format!("creating queue {queue} failed:\n{text}")),
        }
    }

    let (ok, text) = wr(&["d1", "create", DATABASE])?;
    match (ok, text.contains("already exists")) {
        (true, _) => step(&format!("created D1 database {DATABASE}")),
        (false, true) => step(&format!("D1 database {DATABASE} exists")),
        (false, false) => return Err(format!("creating the D1 database failed:\n{text}")),
    }
    step("applying migrations/ to the D1 database");
    crate::run(wrangler().args(["d1", "migrations", "apply", DATABASE, "--remote"]).env("CI", "true"))?;

    step("checking secrets");
    let (_, text) = wr(&["secret", "list", "--format", "json"])?;
    let set = |name: &str| text.contains(&format!("\"{name}\""));
    // A deployed shop refuses the bearer token (staff sign in by emailed link): none is asked for.
    match (set("STRIPE_SECRET_KEY"), set("STRIPE_WEBHOOK_SECRET")) {
        (true, true) => step("Stripe is configured: online payment is on"),
        (false, false) => step("no Stripe keys: the shop takes cash on delivery only (DEPLOY.md, step 4)"),
        _ => return Err("set both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET, or neither (DEPLOY.md, step 4)".into()),
    }
    if !set("RESEND_API_KEY") {
        step("emails go through Cloudflare Email Service (the EMAIL binding): the sender domain in shop.toml [email] must be onboarded");
    }

    if crate::media::in_r2(&root().join("catalog"))? {
        let (ok, text) = wr(&["r2", "bucket", "create", crate::media::BUCKET])?;
        match (ok, text.contains("already exists") || text.contains("already own")) {
            (true, _) => step(&format!("created R2 bucket {}", crate::media::BUCKET)),
            (false, true) => step(&format!("R2 bucket {} exists", crate::media::BUCKET)),
            (false, false) => return Err(format!("creating the R2 bucket failed:\n{text}")),
        }
        // Before the pages that show them go live.
        let sent = crate::media::upload_remote(&root().join(crate::media::STORE))?;
        step(&format!("{sent} new images uploaded to R2"));
    }

    step("wrangler deploy");
    crate::run(wrangler().arg("deploy"))?;
    Ok(())
}

/// The compressed size wrangler reports for an upload ("Total Upload: 9844.29 KiB / gzip: 2840.12 KiB").
fn upload_gzip_kib(wrangler_output: &str) -> Option<f64> {
    let line = wrangler_output.lines().find(|l| l.contains("Total Upload"))?;
    line.split("gzip:").nth(1)?.trim().trim_end_matches("KiB").trim().parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_upload_size_is_read_from_wranglers_report() {
        assert_eq!(super::upload_gzip_kib("x\nTotal Upload: 9844.29 KiB / gzip: 3072.47 KiB\n--dry-run: exiting now."), Some(3072.47));
        assert_eq!(super::upload_gzip_kib("no size here"), None);
    }
}
