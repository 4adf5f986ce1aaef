//! One realistic fake token per vendor rule (RG-SECRET-038 on), found where it is
//! written, and its near misses — a character short, a character outside the
//! alphabet, a placeholder in the middle — not found. Tokens are assembled at run time
//! from split prefixes and seeded random bodies, so this file holds none.

use super::*;

/// A vendor rule's true positive and the lines that must not match it.
pub(super) struct Sample {
    pub(super) id: &'static str,
    line: String,
    secret: String,
    /// Whether cutting or corrupting the token's end must lose it (formats whose
    /// checked part is not at the end say no and list their own misses).
    end_matters: bool,
    misses: Vec<String>,
}

fn sample(id: &'static str, line: String, secret: String) -> Sample {
    Sample {
        id,
        line,
        secret,
        end_matters: true,
        misses: Vec::new(),
    }
}

fn b64() -> String {
    b64_alphabet()
}
fn b64url() -> String {
    b64url_alphabet()
}
const LOWER_ALNUM: &str = "abcdefghijklmnopqrstuvwxyz0123456789";
const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE32: &str = "abcdefghijklmnopqrstuvwxyz234567";

fn tok(prefix: &[&str], alphabet: &str, len: usize, seed: u64) -> String {
    cat(&[&prefix.concat(), &fake(alphabet, len, seed)])
}

fn quoted(secret: &str) -> String {
    format!("value = \"{secret}\"")
}

pub(super) fn samples() -> Vec<Sample> {
    let mut out = Vec::new();
    let mut add = |id: &'static str, secret: String| {
        out.push(sample(id, quoted(&secret), secret));
    };
    add(
        "RG-SECRET-038",
        tok(&["IQoJb3JpZ2", "luX2Vj"], &b64(), 100, 201),
    );
    add(
        "RG-SECRET-039",
        tok(&["ABSKQmVkcm9ja0FQ", "SUtleS"], &b64(), 40, 202),
    );
    add("RG-SECRET-040", tok(&["GOC", "SPX-"], &b64url(), 28, 203));
    add("RG-SECRET-041", tok(&["ya", "29."], &b64url(), 40, 204));
    add("RG-SECRET-047", tok(&["AK", "ID"], ALNUM, 32, 205));
    add("RG-SECRET-048", tok(&["ATA", "TT3"], &b64url(), 186, 206));
    add("RG-SECRET-049", tok(&["AT", "BB"], ALNUM, 32, 207));
    add(
        "RG-SECRET-050",
        cat(&[
            "CCI",
            "PAT_",
            &fake(ALNUM, 22, 208),
            "_",
            &fake(HEX, 40, 209),
        ]),
    );
    add("RG-SECRET-051", tok(&["bk", "ua_"], HEX, 40, 210));
    add("RG-SECRET-052", tok(&["dp.", "pt."], ALNUM, 40, 211));
    add("RG-SECRET-053", tok(&["pu", "l-"], HEX, 40, 212));
    add("RG-SECRET-054", tok(&["dckr", "_pat_"], &b64url(), 27, 213));
    add("RG-SECRET-055", tok(&["ci", "o"], ALNUM, 32, 214));
    add("RG-SECRET-056", tok(&["rubygems", "_"], HEX, 48, 215));
    add("RG-SECRET-057", tok(&["oy", "2"], LOWER_ALNUM, 43, 216));
    add(
        "RG-SECRET-058",
        tok(&["CLOJARS", "_"], LOWER_ALNUM, 60, 217),
    );
    add("RG-SECRET-059", tok(&["AK", "Cp"], ALNUM, 69, 218));
    add(
        "RG-SECRET-060",
        cat(&["PM", "AK-", &fake(HEX, 24, 219), "-", &fake(HEX, 34, 220)]),
    );
    add("RG-SECRET-061", tok(&["h", "f_"], LETTERS, 34, 221));
    add("RG-SECRET-062", tok(&["r", "8_"], ALNUM, 37, 222));
    add("RG-SECRET-063", tok(&["gs", "k_"], ALNUM, 52, 223));
    add("RG-SECRET-064", tok(&["pp", "lx-"], ALNUM, 48, 224));
    add("RG-SECRET-065", tok(&["xa", "i-"], ALNUM, 80, 225));
    add("RG-SECRET-066", tok(&["sk-or", "-v1-"], HEX, 64, 226));
    add(
        "RG-SECRET-067",
        cat(&[
            "lsv2",
            "_pt_",
            &fake(HEX, 32, 227),
            "_",
            &fake(HEX, 10, 228),
        ]),
    );
    add("RG-SECRET-071", tok(&["ke", "y-"], HEX, 32, 229));
    add(
        "RG-SECRET-074",
        cat(&[
            "xkey",
            "sib-",
            &fake(HEX, 64, 230),
            "-",
            &fake(ALNUM, 16, 231),
        ]),
    );
    add("RG-SECRET-075", cat(&["pat-", "na1-", &uuid(232)]));
    add("RG-SECRET-076", tok(&["lin", "_api_"], ALNUM, 40, 233));
    add(
        "RG-SECRET-077",
        cat(&["nt", "n_", &fake(DIGITS, 11, 234), &fake(ALNUM, 35, 235)]),
    );
    add(
        "RG-SECRET-078",
        cat(&["pa", "t", &fake(ALNUM, 14, 236), ".", &fake(HEX, 64, 237)]),
    );
    add("RG-SECRET-079", tok(&["sntr", "yu_"], HEX, 64, 238));
    add(
        "RG-SECRET-080",
        cat(&[
            "dt0",
            "c01.",
            &fake(UPPER, 24, 239),
            ".",
            &fake(UPPER, 64, 240),
        ]),
    );
    add(
        "RG-SECRET-081",
        cat(&["v1", ".0-", &fake(HEX, 24, 241), "-", &fake(HEX, 146, 242)]),
    );
    add("RG-SECRET-084", tok(&["nf", "p_"], ALNUM, 36, 243));
    add("RG-SECRET-085", tok(&["sb", "p_"], HEX, 40, 244));
    add("RG-SECRET-087", tok(&["wh", "sec_"], ALNUM, 24, 245));
    add("RG-SECRET-088", tok(&["sq0", "csp-"], &b64url(), 43, 246));
    add(
        "RG-SECRET-089",
        cat(&[
            "access_token",
            "$production$",
            &fake(ALNUM, 16, 247),
            "$",
            &fake(HEX, 32, 248),
        ]),
    );
    add("RG-SECRET-091", tok(&["shippo", "_live_"], HEX, 40, 249));
    add("RG-SECRET-092", tok(&["EZ", "AK"], ALNUM, 54, 250));
    add(
        "RG-SECRET-093",
        cat(&["access-", "production-", &uuid(251)]),
    );
    add(
        "RG-SECRET-094",
        tok(&["duffel", "_live_"], &b64url(), 43, 252),
    );
    add(
        "RG-SECRET-096",
        cat(&["sg", "p_", &fake(HEX, 16, 255), "_", &fake(HEX, 40, 256)]),
    );
    add("RG-SECRET-097", tok(&["pn", "u_"], ALNUM, 36, 257));
    add(
        "RG-SECRET-098",
        tok(&["pscale", "_tkn_"], &b64url(), 32, 258),
    );
    add("RG-SECRET-099", tok(&["fo", "1_"], &b64url(), 43, 259));
    add("RG-SECRET-100", tok(&["da", "pi"], HEX, 32, 260));
    add("RG-SECRET-101", tok(&["sq", "p_"], HEX, 40, 261));
    add("RG-SECRET-102", tok(&["AP", "I-"], UPPER, 26, 262));
    add(
        "RG-SECRET-103",
        cat(&["op", "s_eyJ", &fake(&b64(), 97, 263)]),
    );
    add(
        "RG-SECRET-104",
        cat(&[
            "pa",
            "t.",
            &fake(&b64url(), 22, 264),
            ".",
            &fake(ALNUM, 24, 265),
            ".",
            &fake(ALNUM, 20, 266),
        ]),
    );
    add("RG-SECRET-105", tok(&["fi", "gd_"], &b64url(), 40, 267));
    add(
        "RG-SECRET-106",
        cat(&["p", "k_", &fake(DIGITS, 8, 268), "_", &fake(UPPER, 32, 269)]),
    );
    add("RG-SECRET-107", tok(&["tf", "p_"], &b64url(), 59, 270));
    add("RG-SECRET-108", tok(&["CF", "PAT-"], &b64url(), 43, 271));
    add("RG-SECRET-109", tok(&["ic", "o-"], ALNUM, 32, 272));
    add("RG-SECRET-110", tok(&["fio", "-u-"], &b64url(), 64, 273));
    add("RG-SECRET-111", tok(&["tk-", "us-"], &b64url(), 48, 274));
    add("RG-SECRET-112", tok(&["rd", "me_"], LOWER_ALNUM, 70, 275));
    add("RG-SECRET-113", tok(&["s", "l."], &b64url(), 130, 276));
    add(
        "RG-SECRET-114",
        cat(&[
            "pc",
            "sk_",
            &fake(ALNUM, 5, 277),
            "_",
            &fake(ALNUM, 54, 278),
        ]),
    );
    add(
        "RG-SECRET-115",
        cat(&["AAAAAAAAAA", "AAAAAAAAAAA", &fake(ALNUM, 60, 279)]),
    );
    add("RG-SECRET-116", cat(&["sd", "k-", &uuid(280)]));
    add(
        "RG-SECRET-117",
        cat(&[
            "LS0tLS1CRUdJTiBSU0Eg",
            "UFJJVkFURSBLRVkt",
            &fake(&b64(), 60, 281),
        ]),
    );

    // Formats that need their name nearby.
    let mut named = |id: &'static str, name: &str, secret: String| {
        out.push(sample(id, format!("{name} = \"{secret}\""), secret));
    };
    named("RG-SECRET-042", "\"private_key_id\":", fake(HEX, 40, 290));
    named("RG-SECRET-046", "azure_devops_pat", fake(BASE32, 52, 291));
    named("RG-SECRET-073", "postmark_server_token", uuid(292));
    named(
        "RG-SECRET-082",
        "cloudflare_api_token",
        fake(&b64url(), 40, 293),
    );
    named("RG-SECRET-083", "fastly_api_key", fake(ALNUM, 32, 294));
    named(
        "RG-SECRET-086",
        "okta_api_token",
        cat(&["00", &fake(&b64url(), 40, 295)]),
    );
    named("RG-SECRET-118", "VERCEL_TOKEN", fake(ALNUM, 24, 296));
    named("RG-SECRET-119", "SNYK_TOKEN", uuid(297));
    named("RG-SECRET-120", "algolia_admin_key", fake(HEX, 32, 298));
    named("RG-SECRET-121", "splunk_hec_token", uuid(299));
    named("RG-SECRET-122", "pagerduty_token", fake(&b64url(), 20, 300));
    named("RG-SECRET-123", "opsgenie_api_key", uuid(301));
    named("RG-SECRET-124", "linode_token", fake(HEX, 64, 302));
    named("RG-SECRET-125", "hcloud_token", fake(ALNUM, 64, 303));
    named("RG-SECRET-126", "scaleway_secret_key", uuid(304));
    named(
        "RG-SECRET-069",
        "TELEGRAM_BOT_TOKEN",
        cat(&[&fake(DIGITS, 10, 305), ":AA", &fake(&b64url(), 33, 306)]),
    );

    // Anchored formats, in the text they come in.
    let secret = cat(&[&fake(ALNUM, 3, 310), "8Q", "~", &fake(&b64url(), 31, 311)]);
    out.push(sample(
        "RG-SECRET-043",
        format!("client_secret = \"{secret}\""),
        secret,
    ));
    let secret = cat(&[&fake(&b64(), 43, 312), "%3D"]);
    let mut sas = sample(
        "RG-SECRET-044",
        format!(
            "url = \"https://acct.blob.core.windows.net/c?sv=2022-11-02&ss=b&srt=co&sp=r&se=2030-01-01&sig={secret}\""
        ),
        secret,
    );
    sas.misses.push("sig=Zm9vYmFy and no version".to_owned());
    out.push(sas);
    let secret = cat(&[&fake(&b64(), 43, 313), "="]);
    out.push(sample(
        "RG-SECRET-045",
        format!(
            "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={secret}"
        ),
        secret,
    ));
    let secret = cat(&[&fake(ALNUM, 76, 314), "AZ", "DO", &fake(ALNUM, 4, 315)]);
    let mut ado = sample("RG-SECRET-046", quoted(&secret), secret.clone());
    ado.end_matters = false;
    ado.misses.push(quoted(&secret.replace("AZDO", "AZDA")));
    out.push(ado);
    let secret = cat(&[&fake(DIGITS, 18, 316), "/", &fake(&b64url(), 60, 317)]);
    out.push(sample(
        "RG-SECRET-068",
        format!("url = \"https://discord.com/api/webhooks/{secret}\""),
        secret,
    ));
    let hex = fake(HEX, 32, 318);
    let secret = format!(
        "{}@{}/IncomingWebhook/{hex}/{}",
        uuid(319),
        uuid(320),
        uuid(321)
    );
    let mut teams = sample(
        "RG-SECRET-070",
        format!("url = \"https://contoso.webhook.office.com/webhookb2/{secret}\""),
        secret.clone(),
    );
    teams.end_matters = false;
    teams.misses.push(format!(
        "url = \"https://contoso.webhook.office.com/webhookb2/{}\"",
        secret.replace(&hex, &hex[..31])
    ));
    out.push(teams);
    let secret = cat(&[&fake(HEX, 32, 322), "-us", "21"]);
    let mut mailchimp = sample("RG-SECRET-072", quoted(&secret), secret.clone());
    mailchimp.end_matters = false;
    mailchimp.misses.push(quoted(&secret[1..]));
    mailchimp.misses.push(quoted(&secret.replace("-us", "-uk")));
    out.push(mailchimp);
    let claims = cat(&["sk.eyJ", "1Ijoi", &fake(ALNUM, 60, 253)]);
    let secret = cat(&[&claims, ".", &fake(&b64url(), 22, 254)]);
    let mut mapbox = sample("RG-SECRET-095", quoted(&secret), secret);
    mapbox.end_matters = false;
    // Without its signature it is not a token; public `pk.` tokens are not secrets.
    mapbox.misses.push(quoted(&claims));
    mapbox.misses.push(quoted(&cat(&["p", &claims[1..]])));
    out.push(mapbox);
    let secret = cat(&["FLWSECK", "-", &fake(HEX, 32, 323), "-X"]);
    out.push(sample("RG-SECRET-090", quoted(&secret), secret));
    out
}

/// The line with `secret` replaced by `with`.
fn variant(sample: &Sample, with: &str) -> String {
    sample.line.replace(&sample.secret, with)
}

fn finds(line: &str, id: &str) -> bool {
    find_secrets(line).iter().any(|m| m.rule_id() == id)
}

#[test]
fn every_vendor_token_is_found_whole() {
    for sample in samples() {
        let found = find_secrets(&sample.line);
        assert_eq!(ids(&found), [sample.id], "{}: {found:?}", sample.line);
        assert_eq!(
            &sample.line[found[0].span()],
            sample.secret,
            "{}",
            sample.id
        );
    }
}

#[test]
fn near_misses_of_vendor_tokens_are_not_found() {
    for sample in samples() {
        let secret = &sample.secret;
        let middle = secret.len() / 2;
        let mut misses = sample.misses.clone();
        // A placeholder where the random part should be.
        for filler in ["xxxx", "XXXXXXXX", "EXAMPLE"] {
            let mut s = secret.clone();
            s.replace_range(middle..middle + filler.len(), filler);
            misses.push(variant(&sample, &s));
        }
        if sample.end_matters {
            // One character short, and one outside the alphabet.
            misses.push(variant(&sample, &secret[..secret.len() - 1]));
            let mut s = secret.clone();
            s.replace_range(secret.len() - 3..secret.len() - 2, "#");
            misses.push(variant(&sample, &s));
        }
        for line in misses {
            assert!(!finds(&line, sample.id), "{}: {line}", sample.id);
        }
    }
}

#[test]
fn named_formats_need_their_name() {
    const NAMED: &[&str] = &[
        "RG-SECRET-042",
        "RG-SECRET-069",
        "RG-SECRET-073",
        "RG-SECRET-082",
        "RG-SECRET-083",
        "RG-SECRET-086",
        "RG-SECRET-118",
        "RG-SECRET-119",
        "RG-SECRET-120",
        "RG-SECRET-121",
        "RG-SECRET-122",
        "RG-SECRET-123",
        "RG-SECRET-124",
        "RG-SECRET-125",
        "RG-SECRET-126",
    ];
    let samples = samples();
    for id in NAMED {
        let sample = samples.iter().find(|s| s.id == *id).expect("a sample");
        let anonymous = format!("value = \"{}\"", sample.secret);
        assert!(!finds(&anonymous, id), "{id}: {anonymous}");
        // The same value under its name in configuration is found (a key id is
        // found in the key file's text, not as an attribute: `*_id` names hold ids).
        if *id == "RG-SECRET-042" {
            continue;
        }
        let (name, _) = sample.line.split_once(" = ").expect("name = value");
        let name = name.trim_matches(|c| c == '"' || c == ':');
        assert!(
            find_secrets_in_value(name, &sample.secret)
                .iter()
                .any(|m| m.rule_id() == *id),
            "{id} under `{name}`"
        );
    }
}

#[test]
fn github_and_npm_tokens_need_their_checksum() {
    for prefix in [
        ["gh", "p_"],
        ["gh", "o_"],
        ["gh", "u_"],
        ["gh", "s_"],
        ["gh", "r_"],
        ["np", "m_"],
    ] {
        let good = cat(&[&prefix.concat(), &checksummed_body(400)]);
        assert_eq!(find_secrets(&quoted(&good)).len(), 1, "{good}");
        // The same random part with a checksum off by one digit.
        let mut bad = good.clone();
        let last = bad.pop().expect("a character");
        bad.push(if last == '0' { '1' } else { '0' });
        assert!(find_secrets(&quoted(&bad)).is_empty(), "{bad}");
        // Where only references belong (user data, environments) the shape is enough.
        assert!(hard_coded_value("CONFIG", &bad).is_some(), "{bad}");
    }
    // A valid checksum lets a token through whose random part is low in entropy.
    let random = "a1a1a1a1a1b2b2b2b2b2c3c3c3c3c3";
    let checksum = super::super::checksums::base62(
        u64::from(super::super::checksums::crc32(random.as_bytes())),
        6,
    );
    let token = cat(&["gh", "p_", random, &checksum]);
    assert_eq!(ids(&find_secrets(&quoted(&token))), ["RG-SECRET-003"]);
}

/// A `-us` whose 32 bytes before it start inside a multi-byte character: no cut
/// there (found by fuzzing; it panicked).
#[test]
fn a_mailchimp_shape_after_multibyte_text_is_not_cut_inside_a_character() {
    let line = format!("{}ééééé-us12", "a".repeat(27));
    assert!(
        find_secrets(&line)
            .iter()
            .all(|m| !m.rule_id().contains("MAILCHIMP"))
    );
    let line = format!("key = \"{}€{}-us1\"", "0".repeat(10), "a".repeat(30));
    let _ = find_secrets(&line);
}
