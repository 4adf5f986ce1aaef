//! The table is the one the store creates (`store/table.rs`), with its TTL and stream.

use std::collections::{BTreeMap, BTreeSet};

use reviewgate_backend::store::table;
use reviewgate_core::Value;

use super::{module, resolve, resources, strings, text};

#[test]
fn the_table_is_the_one_the_store_creates_with_its_ttl_and_stream() {
    let module = module();
    let tables = resources(&module, "aws_dynamodb_table");
    assert_eq!(tables.len(), 1, "one table");
    let table_resource = tables[0];
    let t = |path| text(table_resource, path);
    assert_eq!(t("hash_key"), table::PARTITION_KEY);
    assert_eq!(t("range_key"), table::SORT_KEY);
    assert_eq!(t("billing_mode"), "PAY_PER_REQUEST");

    let attributes: BTreeSet<(String, String)> = table_resource
        .blocks("attribute")
        .iter()
        .map(|a| {
            let field = |k| a.get(k).and_then(Value::as_str).expect(k).to_owned();
            (field("name"), field("type"))
        })
        .collect();
    let expected: BTreeSet<(String, String)> =
        [table::PARTITION_KEY, table::SORT_KEY, table::INDEX_SORT_KEY]
            .into_iter()
            .chain(table::INDEXES.iter().map(|(_, hash)| *hash))
            .map(|name| (name.to_owned(), "S".to_owned()))
            .collect();
    assert_eq!(attributes, expected, "attribute definitions");

    let mut projected: Vec<String> = table::PROJECTED.iter().map(|a| (*a).to_owned()).collect();
    projected.sort();
    let indexes: BTreeMap<String, (String, String, String, Vec<String>)> = table_resource
        .blocks("global_secondary_index")
        .iter()
        .map(|index| {
            let field = |k| {
                index
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| panic!("an index's `{k}`"))
                    .to_owned()
            };
            let mut attributes = strings(resolve(
                &module,
                index.get("non_key_attributes").expect("non_key_attributes"),
            ));
            attributes.sort();
            (
                field("name"),
                (
                    field("hash_key"),
                    field("range_key"),
                    field("projection_type"),
                    attributes,
                ),
            )
        })
        .collect();
    let expected_indexes: BTreeMap<String, (String, String, String, Vec<String>)> = table::INDEXES
        .iter()
        .map(|(name, hash)| {
            (
                (*name).to_owned(),
                (
                    (*hash).to_owned(),
                    table::INDEX_SORT_KEY.to_owned(),
                    "INCLUDE".to_owned(),
                    projected.clone(),
                ),
            )
        })
        .collect();
    assert_eq!(indexes, expected_indexes, "global secondary indexes");

    assert_eq!(t("ttl.0.attribute_name"), table::TTL_ATTRIBUTE);
    assert_eq!(
        table_resource
            .attribute("ttl.0.enabled")
            .and_then(Value::as_bool),
        Some(true)
    );
    assert_eq!(
        table_resource
            .attribute("stream_enabled")
            .and_then(Value::as_bool),
        Some(true),
        "the event processor and the AI reviewer are triggered by the stream"
    );
    assert_eq!(t("stream_view_type"), table::STREAM_VIEW_TYPE);
    for block in ["point_in_time_recovery", "server_side_encryption"] {
        assert_eq!(
            table_resource
                .attribute(&format!("{block}.0.enabled"))
                .and_then(Value::as_bool),
            Some(true),
            "{block}"
        );
    }
}
