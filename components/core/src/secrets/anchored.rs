//! Credentials found by a fixed anchor inside them rather than a prefix: Microsoft
//! Entra ID client secrets (`Q~`), Azure shared access signatures (`sig=`) and
//! shared access keys (`SharedAccessKey=`), Discord and Teams webhook URLs, Mailchimp
//! keys (`-us<n>`) and the newer Azure DevOps tokens (`AZDO` inside). Each searches
//! its anchor and reads a bounded run on either side; nothing backtracks.

use super::bytes::{alnum, base64, base64_padded, hex, lower_hex, run, runs, word, word_dash};
use super::catalog::Kind;
use super::line::LineScan;
use super::values::{is_placeholder, looks_random, shannon_entropy};

/// The alphabet of an Entra ID client secret.
fn entra_secret_byte(b: u8) -> bool {
    word(b) || matches!(b, b'~' | b'.' | b'-')
}

impl LineScan<'_> {
    /// Every anchored format.
    pub(super) fn anchored(&mut self) {
        self.entra_client_secret();
        self.azure_sas();
        self.azure_shared_access_key();
        self.webhook_urls();
        self.mailchimp();
        self.azure_devops_pat();
    }

    /// 3 characters, a digit, `Q~`, 31–34 characters: the format Entra ID issues.
    fn entra_client_secret(&mut self) {
        let bytes = self.bytes;
        let mut found = Vec::new();
        for (at, _) in self.line.match_indices("Q~") {
            let Some(start) = at.checked_sub(4) else {
                continue;
            };
            let head = &bytes[start..at];
            if !head[..3].iter().all(|b| entra_secret_byte(*b))
                || !head[3].is_ascii_digit()
                || (start > 0 && entra_secret_byte(bytes[start - 1]))
            {
                continue;
            }
            let len = run(bytes, at + 2, entra_secret_byte, 34);
            if !(31..=34).contains(&len) {
                continue;
            }
            let end = at + 2 + len;
            if looks_random(&self.line[start..end], &self.line[at + 2..end]) {
                found.push(start..end);
            }
        }
        for span in found {
            self.push(
                Kind::AzureAdClientSecret,
                "Microsoft Entra ID client secret",
                span,
            );
        }
    }

    /// `…?sv=2022-11-02&…&sig=<43 base64 characters, URL-encoded>`.
    fn azure_sas(&mut self) {
        if !self.line.contains("sv=") {
            return;
        }
        let bytes = self.bytes;
        let mut found = Vec::new();
        for (at, _) in self.line.match_indices("sig=") {
            if at > 0 && !matches!(bytes[at - 1], b'?' | b'&' | b';' | b'"' | b' ') {
                continue;
            }
            let start = at + 4;
            let len = run(bytes, start, |b| base64_padded(b) || b == b'%', 80);
            let signature = &self.line[start..start + len];
            // 32 bytes of HMAC-SHA256: 43 characters and `=`, which URLs write `%3D`.
            let decoded_len = signature.replace("%2B", "+").replace("%2F", "/");
            let decoded_len = decoded_len.replace("%3D", "=").replace("%3d", "=");
            if decoded_len.len() == 44
                && decoded_len.ends_with('=')
                && decoded_len[..43].bytes().all(base64)
                && shannon_entropy(signature) >= 4.0
                && !is_placeholder(signature)
            {
                found.push(start..start + len);
            }
        }
        for span in found {
            self.push(Kind::AzureSasToken, "Azure shared access signature", span);
        }
    }

    /// `SharedAccessKey=<43 base64 characters>=` in a connection string.
    fn azure_shared_access_key(&mut self) {
        const ANCHOR: &str = "sharedaccesskey=";
        let bytes = self.bytes;
        let mut found = Vec::new();
        for (at, _) in self.lower.match_indices(ANCHOR) {
            let start = at + ANCHOR.len();
            let len = run(bytes, start, base64_padded, 44);
            let key = &self.line[start..start + len];
            if len == 44
                && key.ends_with('=')
                && key[..43].bytes().all(base64)
                && shannon_entropy(key) >= 4.0
                && !is_placeholder(key)
            {
                found.push(start..start + len);
            }
        }
        for span in found {
            self.push(Kind::AzureSharedAccessKey, "Azure shared access key", span);
        }
    }

    /// Discord (`discord.com/api/webhooks/<id>/<token>`) and Teams
    /// (`….webhook.office.com/webhookb2/…/IncomingWebhook/<32 hex>/…`) webhook URLs.
    fn webhook_urls(&mut self) {
        let bytes = self.bytes;
        let mut found = Vec::new();
        for host in ["discord.com/api/webhooks/", "discordapp.com/api/webhooks/"] {
            for (at, _) in self.lower.match_indices(host) {
                let id_start = at + host.len();
                let id_len = run(bytes, id_start, |b| b.is_ascii_digit(), 20);
                let token_start = id_start + id_len + 1;
                if !(17..=20).contains(&id_len) || bytes.get(token_start - 1) != Some(&b'/') {
                    continue;
                }
                let token_len = run(bytes, token_start, word_dash, 80);
                let token = &self.line[token_start..token_start + token_len];
                if (60..=80).contains(&token_len) && looks_random(token, token) {
                    found.push((
                        Kind::DiscordWebhook,
                        "Discord webhook URL",
                        id_start..token_start + token_len,
                    ));
                }
            }
        }
        const TEAMS: &str = ".webhook.office.com/webhookb2/";
        const INCOMING: &str = "/IncomingWebhook/";
        for (at, _) in self.lower.match_indices(TEAMS) {
            let path_start = at + TEAMS.len();
            let len = run(
                bytes,
                path_start,
                |b| word_dash(b) || matches!(b, b'/' | b'@'),
                300,
            );
            let path = &self.line[path_start..path_start + len];
            let Some(incoming) = path.find(INCOMING) else {
                continue;
            };
            let secret = &path[incoming + INCOMING.len()..];
            let secret = secret.split('/').next().unwrap_or_default();
            if secret.len() == 32 && secret.bytes().all(hex) && looks_random(secret, secret) {
                found.push((
                    Kind::TeamsWebhook,
                    "Microsoft Teams webhook URL",
                    path_start..path_start + len,
                ));
            }
        }
        for (kind, label, span) in found {
            self.push(kind, label, span);
        }
    }

    /// 32 hex digits, `-us`, the data centre (1–2 digits).
    fn mailchimp(&mut self) {
        let bytes = self.bytes;
        let mut found = Vec::new();
        for (at, _) in self.line.match_indices("-us") {
            let Some(start) = at.checked_sub(32) else {
                continue;
            };
            // Bytes first: `start` may fall inside a multi-byte character, and only
            // once the 32 bytes are hex digits is it a place to cut the text.
            if !bytes[start..at].iter().all(|b| lower_hex(*b)) {
                continue;
            }
            let dc = run(bytes, at + 3, |b| b.is_ascii_digit(), 2);
            let end = at + 3 + dc;
            let key = &self.line[start..at];
            if (1..=2).contains(&dc)
                && !(start > 0 && alnum(bytes[start - 1]))
                && !bytes.get(end).is_some_and(|b| alnum(*b))
                && looks_random(key, key)
            {
                found.push(start..end);
            }
        }
        for span in found {
            self.push(Kind::Mailchimp, "Mailchimp API key", span);
        }
    }

    /// The 84-character Azure DevOps token format, which carries `AZDO` at 76–79.
    fn azure_devops_pat(&mut self) {
        if !self.line.contains("AZDO") {
            return;
        }
        let mut found = Vec::new();
        for span in runs(self.bytes, alnum) {
            let candidate = &self.line[span.clone()];
            if candidate.len() == 84
                && &candidate[76..80] == "AZDO"
                && looks_random(candidate, &candidate[..76])
            {
                found.push(span);
            }
        }
        for span in found {
            self.push(
                Kind::AzureDevopsPat,
                "Azure DevOps personal access token",
                span,
            );
        }
    }
}
