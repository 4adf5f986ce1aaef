//! One day's statistics computed from the store: the versions written that day, read
//! page by page (the next page while this one is folded), each with its previous
//! version for recurrence, fed through the pure fold ([`DayAggregator`]).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::fold::{DayAggregator, VersionFilter};
use crate::model::{DayStats, ReviewSummary, Scope};
use crate::store::{ReviewStore, StoreError};

/// Versions read per store request while folding a day.
const VERSION_PAGE: usize = 1000;
/// Reviews whose latest version of the day is kept while folding it (to find
/// previous versions without reads); beyond this many, the rest are read.
const LATEST_SEEN_CAP: usize = 200_000;

/// Reads the versions written on `day` (UTC) and folds them, with their previous
/// versions for recurrence: from the day itself when written earlier that day,
/// else read in one batch per page of versions.
pub async fn compute_day(
    store: &dyn ReviewStore,
    day: NaiveDate,
    filter: &VersionFilter,
) -> Result<BTreeMap<Scope, DayStats>, StoreError> {
    let mut fold = DayFold {
        aggregator: DayAggregator::new(filter.clone()),
        latest_seen: HashMap::new(),
    };
    let mut page = store.versions_written(day, None, VERSION_PAGE).await?;
    loop {
        let read = fold.read_unseen_previous(store, &page.items).await?;
        match page.next_cursor.take() {
            // The next page is read while this one is folded: the store works (on
            // its blocking thread, or over the network) while this task computes.
            Some(cursor) => {
                let (next, ()) = tokio::join!(
                    store.versions_written(day, Some(&cursor), VERSION_PAGE),
                    async { fold.add_page(page.items, read) },
                );
                page = next?;
            }
            None => {
                fold.add_page(page.items, read);
                return Ok(fold.aggregator.finish());
            }
        }
    }
}

/// [`compute_day`]'s state between pages.
struct DayFold {
    aggregator: DayAggregator,
    /// The latest version seen today of each review (up to [`LATEST_SEEN_CAP`]):
    /// versions come in write order, so most previous versions are here and need
    /// no read.
    latest_seen: HashMap<String, ReviewSummary>,
}

impl DayFold {
    /// Reads, in one request, the previous versions of the page's versions that
    /// neither an earlier page nor an earlier version of the page holds.
    async fn read_unseen_previous(
        &self,
        store: &dyn ReviewStore,
        items: &[ReviewSummary],
    ) -> Result<Vec<Option<ReviewSummary>>, StoreError> {
        let mut in_page: HashMap<&str, u32> = HashMap::new();
        let mut unseen = Vec::new();
        for (index, version) in items.iter().enumerate() {
            let id = version.review_id.as_str();
            let previous = version.version.saturating_sub(1);
            if version.version > 1
                && self.aggregator.filter().matches(version)
                && in_page.get(id) != Some(&previous)
                && self.latest_seen.get(id).map(|s| s.version) != Some(previous)
            {
                unseen.push(index);
            }
            in_page.insert(id, version.version);
        }
        let mut read = vec![None; items.len()];
        if unseen.is_empty() {
            return Ok(read);
        }
        let keys: Vec<(String, u32)> = unseen
            .iter()
            .map(|i| (items[*i].review_id.clone(), items[*i].version - 1))
            .collect();
        for (index, summary) in unseen
            .into_iter()
            .zip(store.version_summaries(&keys).await?)
        {
            read[index] = summary;
        }
        Ok(read)
    }

    /// Folds a page, in write order, each version with its previous one.
    fn add_page(&mut self, items: Vec<ReviewSummary>, read: Vec<Option<ReviewSummary>>) {
        // Versions of reviews beyond the cap, kept for the rest of this page only.
        let mut overflow: HashMap<String, ReviewSummary> = HashMap::new();
        for (version, read) in items.into_iter().zip(read) {
            {
                let previous = read.as_ref().or_else(|| {
                    self.latest_seen
                        .get(&version.review_id)
                        .or_else(|| overflow.get(&version.review_id))
                        .filter(|s| s.version + 1 == version.version)
                });
                self.aggregator.add(&version, previous);
            }
            if !self.aggregator.filter().matches(&version) {
                continue;
            }
            if let Some(seen) = self.latest_seen.get_mut(&version.review_id) {
                *seen = version;
            } else if self.latest_seen.len() < LATEST_SEEN_CAP {
                self.latest_seen.insert(version.review_id.clone(), version);
            } else {
                overflow.insert(version.review_id.clone(), version);
            }
        }
    }
}
